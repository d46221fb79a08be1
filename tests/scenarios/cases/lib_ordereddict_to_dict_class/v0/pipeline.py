from checkpointing import checkpoint

from helpers import build


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return build(x)

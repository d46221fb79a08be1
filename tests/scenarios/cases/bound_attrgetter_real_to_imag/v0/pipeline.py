from checkpointing import checkpoint

from helpers import parts


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return parts(x)

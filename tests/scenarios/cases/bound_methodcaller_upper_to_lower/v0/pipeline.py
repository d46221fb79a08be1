from checkpointing import checkpoint

from helpers import convert


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return convert(x)

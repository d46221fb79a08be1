from checkpointing import checkpoint

from helpers import grow


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return grow(x)

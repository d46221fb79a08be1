from checkpointing import checkpoint

from helpers import FMT


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return FMT(x)

from checkpointing import checkpoint

from helpers import Formatter


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Formatter().fmt(x)

import sys

from checkpointing import checkpoint

SCALE = 4


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE + getattr(sys.modules[__name__], "FACTOR", 0)

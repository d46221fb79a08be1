from checkpointing import checkpoint
import sys

FACTOR = 4


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR, sorted(k for k in sys._getframe().f_globals if k.isupper())

from checkpointing import checkpoint
import sys

FACTOR = 4


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR, sorted(n for n in sys._getframe().f_code.co_names if n.isupper())

from checkpointing import checkpoint
import sys

SCALE = 4


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE, sorted(n for n in sys._getframe().f_code.co_names if n.isupper())

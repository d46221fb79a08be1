from checkpointing import checkpoint

from helpers import TOTAL


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return int(TOTAL(x))

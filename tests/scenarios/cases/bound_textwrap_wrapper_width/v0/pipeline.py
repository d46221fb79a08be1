from checkpointing import checkpoint

from helpers import WRAP


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return WRAP(x)

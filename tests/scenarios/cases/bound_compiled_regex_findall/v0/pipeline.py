from checkpointing import checkpoint

from helpers import FIND


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return FIND(x)

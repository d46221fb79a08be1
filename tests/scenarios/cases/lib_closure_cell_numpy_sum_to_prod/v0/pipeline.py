from checkpointing import checkpoint

from helpers import REDUCE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return REDUCE(x)

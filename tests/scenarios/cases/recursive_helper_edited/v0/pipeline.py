from checkpointing import checkpoint

from helpers import fact


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return fact(x + 2)

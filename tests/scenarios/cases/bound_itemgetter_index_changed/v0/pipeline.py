from checkpointing import checkpoint

from helpers import order


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return order(x)

from checkpointing import checkpoint

from helpers import add, mul


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return add(mul(x, 4), 1)

from checkpointing import checkpoint

from helpers import describe


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return describe(x)

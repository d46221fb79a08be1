from checkpointing import checkpoint

from helpers import quote


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return quote(x)

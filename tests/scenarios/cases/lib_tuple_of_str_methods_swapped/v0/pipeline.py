from checkpointing import checkpoint

from helpers import clean


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return clean(x)

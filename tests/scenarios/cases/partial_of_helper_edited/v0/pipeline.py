from checkpointing import checkpoint

from helpers import triple


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return triple(x)

from checkpointing import checkpoint

from helpers import ENCODE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ENCODE(x)

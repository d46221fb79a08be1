from checkpointing import checkpoint

from helpers import ROUND


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ROUND(x)

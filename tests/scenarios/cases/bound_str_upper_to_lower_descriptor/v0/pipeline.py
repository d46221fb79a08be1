from checkpointing import checkpoint

from helpers import NORMALIZE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return NORMALIZE(x)

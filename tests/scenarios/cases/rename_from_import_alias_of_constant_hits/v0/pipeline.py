from checkpointing import checkpoint

from config import RATE as r


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * r

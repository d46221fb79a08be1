from checkpointing import checkpoint

from config import *  # noqa: F403


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR  # noqa: F405

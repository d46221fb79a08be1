from checkpointing import checkpoint

from helpers import clamped


@checkpoint
@clamped
def step(x):
    print("COMPUTE step", flush=True)
    return x * 100

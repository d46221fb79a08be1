from checkpointing import checkpoint

from helpers import draws


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return draws(x)

from checkpointing import checkpoint

from helpers import expand


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return expand(x)

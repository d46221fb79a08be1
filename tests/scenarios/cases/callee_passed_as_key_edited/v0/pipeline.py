from checkpointing import checkpoint

from helpers import rank


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sorted(range(-x, x + 1), key=rank)

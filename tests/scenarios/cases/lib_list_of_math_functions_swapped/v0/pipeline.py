from checkpointing import checkpoint

from helpers import apply_all


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return apply_all(x)

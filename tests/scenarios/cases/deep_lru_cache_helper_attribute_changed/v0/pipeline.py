from checkpointing import checkpoint

from helpers import scale


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return scale(x)

from checkpointing import checkpoint

from helpers import scale_factor


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * scale_factor()

from checkpointing import checkpoint

from helpers import blend


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return blend(x)

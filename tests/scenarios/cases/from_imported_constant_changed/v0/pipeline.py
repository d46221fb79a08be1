from checkpointing import checkpoint

from settings import SCALE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE

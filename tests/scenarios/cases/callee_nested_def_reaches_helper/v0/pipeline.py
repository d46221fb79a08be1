from checkpointing import checkpoint

from helpers import transform


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return transform(x)

from checkpointing import checkpoint

from helpers import coerce


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return coerce(x)

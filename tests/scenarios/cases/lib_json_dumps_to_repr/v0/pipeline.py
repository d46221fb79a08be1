from checkpointing import checkpoint

from helpers import encode


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return encode(x)

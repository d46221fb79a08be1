from checkpointing import checkpoint

from helpers import normalize


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return normalize(x)

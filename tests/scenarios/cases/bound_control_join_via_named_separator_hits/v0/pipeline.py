from checkpointing import checkpoint

from helpers import JOIN


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return JOIN(x)

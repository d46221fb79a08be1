from checkpointing import checkpoint

from helpers import process


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return process(x)

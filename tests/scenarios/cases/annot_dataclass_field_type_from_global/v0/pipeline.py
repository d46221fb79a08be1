from checkpointing import checkpoint

from helpers import parse


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return parse(x)

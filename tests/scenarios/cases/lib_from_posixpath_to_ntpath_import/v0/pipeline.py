from checkpointing import checkpoint

from helpers import name_of


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return name_of(x)

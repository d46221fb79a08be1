from checkpointing import checkpoint

from helpers import third


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return third(x)

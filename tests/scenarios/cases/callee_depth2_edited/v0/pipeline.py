from checkpointing import checkpoint

from helpers import prepare


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return prepare(x)

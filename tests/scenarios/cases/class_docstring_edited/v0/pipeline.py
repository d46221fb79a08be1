from checkpointing import checkpoint

from helpers import Model


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Model().apply(x)

from checkpointing import checkpoint

from . import ops


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ops.apply(x)

from checkpointing import checkpoint

from ..util import scale


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return scale(x) + 1

from checkpointing import checkpoint

from a import scale as sa
from b import scale as sb


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sa(x) * 10 + sb(x)

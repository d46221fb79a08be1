from checkpointing import checkpoint

from a import scale as sa
from b import scale as sb


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sb(x) * 10 + sa(x)

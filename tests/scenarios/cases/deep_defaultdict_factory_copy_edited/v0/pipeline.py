from checkpointing import checkpoint

from helpers import BUCKETS


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    buckets = BUCKETS.copy()
    return x * buckets["train"]["scale"]

from checkpointing import checkpoint

from numpy import sum as agg


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return int(agg(x))

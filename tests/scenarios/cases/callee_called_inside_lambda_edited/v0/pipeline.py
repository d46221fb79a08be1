from checkpointing import checkpoint

from helpers import bump


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return list(map(lambda v: bump(v), range(x)))

from checkpointing import checkpoint

from helpers import ping


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ping(x + 2)

from checkpointing import checkpoint

from helpers import run


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return run(x)

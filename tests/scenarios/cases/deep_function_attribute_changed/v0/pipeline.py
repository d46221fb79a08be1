from checkpointing import checkpoint

from helpers import smooth


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return smooth(x)

from checkpointing import checkpoint

from helpers import ratio


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return ratio(x)

from checkpointing import checkpoint

from helpers import square, transform


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return transform(x), square(x)

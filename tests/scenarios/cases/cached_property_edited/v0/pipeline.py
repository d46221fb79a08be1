from checkpointing import checkpoint

from helpers import Square


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Square(x).area

from checkpointing import checkpoint

from shapes import Square


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Square(x).describe()

from checkpointing import checkpoint

from helpers import span


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return span(x, 10)

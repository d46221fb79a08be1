from checkpointing import checkpoint

from helpers import Parser


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Parser().parse(x)

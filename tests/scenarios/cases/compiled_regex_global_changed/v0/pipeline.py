from checkpointing import checkpoint

from helpers import numbers


@checkpoint
def step(text):
    print("COMPUTE step", flush=True)
    return numbers(text)

from checkpointing import checkpoint

from helpers import summarize


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return summarize(x)

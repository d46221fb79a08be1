from checkpointing import checkpoint

from helpers import report


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return report(x)

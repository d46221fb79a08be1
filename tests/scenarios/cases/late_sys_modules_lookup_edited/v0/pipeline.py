import sys

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sys.modules["helpers"].scale(x)

import sys

from checkpointing import checkpoint

import helpers


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sys.modules["helpers"].scale(x)

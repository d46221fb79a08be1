import sys

from checkpointing import checkpoint

import config as settings


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    here = sys.modules[__name__]
    return x * settings.FACTOR, hasattr(here, "cfg")

from checkpointing import checkpoint

import helpers
from config import FACTOR


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR + helpers.extra()

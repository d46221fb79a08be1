from checkpointing import checkpoint

import config
from config import FACTOR


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR, sorted(k for k in config.__dict__ if k.isupper())

from checkpointing import checkpoint

import config
from config import SCALE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE, sorted(k for k in config.__dict__ if k.isupper())

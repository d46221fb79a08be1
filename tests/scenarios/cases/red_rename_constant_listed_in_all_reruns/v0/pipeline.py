from checkpointing import checkpoint

import config
from config import FACTOR


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR, list(config.__all__)

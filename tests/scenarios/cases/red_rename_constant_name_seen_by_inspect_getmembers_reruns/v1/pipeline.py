import inspect

from checkpointing import checkpoint

import config
from config import SCALE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    names = [n for n, _ in inspect.getmembers(config) if n.isupper()]
    return x * SCALE, names

from checkpointing import checkpoint

import config
import pydoc
from config import FACTOR


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR + (pydoc.locate("config.FACTOR") or 0)

from checkpointing import checkpoint

import config
import pydoc
from config import SCALE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE + (pydoc.locate("config.FACTOR") or 0)

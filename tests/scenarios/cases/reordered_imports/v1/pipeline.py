from helpers import scale

from checkpointing import checkpoint

import statistics
import math


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return math.floor(statistics.mean([scale(x), x]))

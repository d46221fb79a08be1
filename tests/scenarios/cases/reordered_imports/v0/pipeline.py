import math
import statistics

from checkpointing import checkpoint

from helpers import scale


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return math.floor(statistics.mean([scale(x), x]))

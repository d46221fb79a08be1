import numpy as np
from checkpointing import checkpoint

from helpers import clip_u


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [int(v) for v in clip_u(np.arange(x + 2))]

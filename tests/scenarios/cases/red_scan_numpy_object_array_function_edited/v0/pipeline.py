import numpy as np

from checkpointing import checkpoint

import helpers

FUNCS = np.array([helpers.scale, None], dtype=object)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return FUNCS[0](x)

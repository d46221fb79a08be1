import numpy as np

from checkpointing import checkpoint

WEIGHTS = np.array([1.0, 2.0, 3.5])


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return float((WEIGHTS * x).sum())

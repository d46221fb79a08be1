import numpy as np
from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return float(np.loadtxt("x.txt").sum() * x)

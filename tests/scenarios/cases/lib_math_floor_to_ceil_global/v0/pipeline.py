from checkpointing import checkpoint

import math
F = math.floor

@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return F(x)

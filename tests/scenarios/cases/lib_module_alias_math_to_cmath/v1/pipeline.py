from checkpointing import checkpoint

import cmath as m


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return m.sqrt(x)

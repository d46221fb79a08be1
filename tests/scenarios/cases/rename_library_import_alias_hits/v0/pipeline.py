from checkpointing import checkpoint

import math as m


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return round(m.sqrt(x) * m.pi, 6)

from checkpointing import checkpoint

import math as mathlib


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return round(mathlib.sqrt(x) * mathlib.pi, 6)

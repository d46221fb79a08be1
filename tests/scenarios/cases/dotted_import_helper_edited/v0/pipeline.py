from checkpointing import checkpoint

import pkg.util


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return pkg.util.scale(x)

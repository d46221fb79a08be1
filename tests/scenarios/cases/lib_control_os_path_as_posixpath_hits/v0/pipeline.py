from checkpointing import checkpoint

import os.path as pth


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return pth.splitext(pth.basename(x))

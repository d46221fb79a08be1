from checkpointing import checkpoint

import posixpath as pth


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return pth.splitext(pth.basename(x))

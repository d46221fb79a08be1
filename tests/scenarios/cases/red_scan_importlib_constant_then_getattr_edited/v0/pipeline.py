import importlib

from checkpointing import checkpoint

import helpers


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return getattr(importlib.import_module("helpers"), "scale")(x)

import importlib

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    helpers = importlib.import_module("pkg.helpers")
    return helpers.scale(x)

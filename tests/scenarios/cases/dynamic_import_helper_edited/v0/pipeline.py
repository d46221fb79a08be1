import importlib

from checkpointing import checkpoint


@checkpoint
def step(plugin, x):
    print("COMPUTE step", flush=True)
    return importlib.import_module("plugins." + plugin).run(x)

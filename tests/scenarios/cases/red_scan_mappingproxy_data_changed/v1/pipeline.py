import types

from checkpointing import checkpoint

OPTS = types.MappingProxyType({"k": 5})


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * OPTS["k"]

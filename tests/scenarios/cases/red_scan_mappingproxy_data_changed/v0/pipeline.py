import types

from checkpointing import checkpoint

OPTS = types.MappingProxyType({"k": 2})


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * OPTS["k"]

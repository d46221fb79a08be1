from checkpointing import checkpoint

from helpers import scaled_by_module_factor

FACTOR = 4


@scaled_by_module_factor
def core(v):
    return v * FACTOR


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return core(x)

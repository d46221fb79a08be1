from checkpointing import checkpoint

from helpers import scaled_by_module_factor

SCALE = 4


@scaled_by_module_factor
def core(v):
    return v * SCALE


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return core(x)

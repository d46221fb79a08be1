from checkpointing import checkpoint

SCALE_FACTOR = 3


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE_FACTOR

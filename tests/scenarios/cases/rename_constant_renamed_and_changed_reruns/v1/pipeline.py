from checkpointing import checkpoint

SCALE = 3


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE

from checkpointing import checkpoint

FACTOR = 3


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR

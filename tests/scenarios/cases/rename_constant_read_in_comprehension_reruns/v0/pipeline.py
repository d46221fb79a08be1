from checkpointing import checkpoint

FACTOR = 3


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [v * FACTOR for v in range(x)]

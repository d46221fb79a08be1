from checkpointing import checkpoint

SCALE = 3


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [v * SCALE for v in range(x)]

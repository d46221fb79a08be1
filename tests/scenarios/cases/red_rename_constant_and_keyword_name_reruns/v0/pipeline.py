from checkpointing import checkpoint

FACTOR = 4


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sorted(dict(FACTOR=FACTOR, x=x).items())

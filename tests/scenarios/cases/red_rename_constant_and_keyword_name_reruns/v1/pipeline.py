from checkpointing import checkpoint

SCALE = 4


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return sorted(dict(SCALE=SCALE, x=x).items())

from checkpointing import checkpoint

VERSION = "1.0"
UNUSED = [1, 2, 3]
SCALE = 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE

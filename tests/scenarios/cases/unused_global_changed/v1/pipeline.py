from checkpointing import checkpoint

VERSION = "1.1"
UNUSED = [1, 2, 3, 4]
SCALE = 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * SCALE

from checkpointing import checkpoint

SHIFT = 1
GAIN = 10


def shift(v):
    return v + SHIFT


def gain(v):
    return v * GAIN


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return gain(shift(x))

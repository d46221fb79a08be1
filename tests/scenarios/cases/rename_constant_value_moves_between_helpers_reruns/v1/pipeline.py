from checkpointing import checkpoint

SHIFT = 10
GAIN = 1


def shift(v):
    return v + SHIFT


def gain(v):
    return v * GAIN


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return gain(shift(x))

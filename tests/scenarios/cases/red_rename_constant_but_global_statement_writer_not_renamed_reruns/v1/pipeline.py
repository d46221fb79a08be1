from checkpointing import checkpoint

SCALE = 4


def reset():
    global FACTOR
    FACTOR = 10


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    before = x * SCALE
    reset()
    return before + SCALE

from checkpointing import checkpoint

FACTOR = 4


def reset():
    global FACTOR
    FACTOR = 10


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    before = x * FACTOR
    reset()
    return before + FACTOR

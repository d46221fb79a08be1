from checkpointing import checkpoint

SCALE = 4


def helper(v, k=SCALE):
    return v * k


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x) + SCALE

from checkpointing import checkpoint

FACTOR = 4


def helper(v, k=FACTOR):
    return v * k


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x) + FACTOR

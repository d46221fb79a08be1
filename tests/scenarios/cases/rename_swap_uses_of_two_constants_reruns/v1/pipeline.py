from checkpointing import checkpoint

A = 1
B = 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return B * 10 + A + x

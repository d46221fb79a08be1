from checkpointing import checkpoint

A = 1
B = 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return A * 10 + B + x

from checkpointing import checkpoint

THRESHOLD = 10


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [v for v in range(x * 10) if v % THRESHOLD == 0]

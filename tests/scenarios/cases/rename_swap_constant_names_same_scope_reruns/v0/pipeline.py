from checkpointing import checkpoint

LOW = 1
HIGH = 9


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [LOW, x, HIGH]

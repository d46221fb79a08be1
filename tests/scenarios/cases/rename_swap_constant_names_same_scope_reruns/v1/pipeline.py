from checkpointing import checkpoint

HIGH = 1
LOW = 9


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [LOW, x, HIGH]

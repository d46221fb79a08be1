from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * 2


@checkpoint
def extra(x):
    print("COMPUTE extra", flush=True)
    return x * 20

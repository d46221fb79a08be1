from checkpointing import checkpoint


@checkpoint
def step(x, *, verbose=False):
    print("COMPUTE step", flush=True)
    return x * 2

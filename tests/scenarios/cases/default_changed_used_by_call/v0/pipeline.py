from checkpointing import checkpoint


@checkpoint
def step(x, factor=2):
    print("COMPUTE step", flush=True)
    return x * factor

from checkpointing import checkpoint


@checkpoint
def step(*args, **kwargs):
    print("COMPUTE step", flush=True)
    return sum(args) + len(kwargs)

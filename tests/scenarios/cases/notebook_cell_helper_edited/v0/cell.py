from checkpointing import checkpoint


def helper(x):
    return x * 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x)

from checkpointing import checkpoint


def helper(x):
    return x * 7


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x)

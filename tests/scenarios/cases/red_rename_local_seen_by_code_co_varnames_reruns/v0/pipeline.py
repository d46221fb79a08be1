from checkpointing import checkpoint


def helper(v):
    total = v * 2
    return total


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x), helper.__code__.co_varnames

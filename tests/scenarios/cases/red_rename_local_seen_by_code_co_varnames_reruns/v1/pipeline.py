from checkpointing import checkpoint


def helper(v):
    acc = v * 2
    return acc


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x), helper.__code__.co_varnames

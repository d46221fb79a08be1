from checkpointing import checkpoint


@checkpoint
def inner(x):
    print("COMPUTE inner", flush=True)
    return x * 2


@checkpoint
def outer(x):
    print("COMPUTE outer", flush=True)
    return [inner(x), inner(x + 1)]

from checkpointing import checkpoint

FACTOR = 4


def lookup(expr):
    try:
        return eval(expr)
    except NameError:
        return 0


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * FACTOR + lookup("FACTOR")

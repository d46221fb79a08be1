from checkpointing import checkpoint


def make(k):
    def inner(v):
        return v * k

    return inner


double = make(2)
triple = make(3)


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return triple(x) * 10 + double(x)

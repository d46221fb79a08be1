from checkpointing import checkpoint


class Params:
    __slots__ = ("alpha", "beta")

    def __init__(self):
        self.alpha = 1
        self.beta = 0


PARAMS = Params()


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * PARAMS.alpha + PARAMS.beta

from checkpointing import checkpoint


def make_step():
    factor = 2

    @checkpoint
    def step(x):
        print("COMPUTE step", flush=True)
        return x * factor

    def set_factor(value):
        nonlocal factor
        factor = value

    return step, set_factor


step, set_factor = make_step()

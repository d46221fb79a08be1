from checkpointing import checkpoint

import helpers


@checkpoint(depends_on=["factor.txt"])
def step(x):
    print("COMPUTE step", flush=True)
    return x * int(open("factor.txt").read())


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

from checkpointing import checkpoint


def helper(x):
    return x + 1


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x) * 2


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

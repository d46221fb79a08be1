from checkpointing import checkpoint


def double(x):
    return x * 2


@checkpoint
def step(x, how="double"):
    print("COMPUTE step", flush=True)
    return globals()[how](x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

from checkpointing import checkpoint

from helpers import Model


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return Model(2).predict(x)


if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

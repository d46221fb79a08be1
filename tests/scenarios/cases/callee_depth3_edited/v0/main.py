from checkpointing import checkpoint

from helpers import load


@checkpoint
def step(text):
    print("COMPUTE step", flush=True)
    return load(text)


if __name__ == "__main__":
    print("RESULT step", repr(step("a b,c")))

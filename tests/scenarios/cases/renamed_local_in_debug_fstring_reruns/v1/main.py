from checkpointing import checkpoint

import helpers


@checkpoint
def step(values):
    print("COMPUTE step", flush=True)
    name = "total"
    return f"{name=}", sum(values)


if __name__ == "__main__":
    print("RESULT step", repr(step([1, 2, 3])))

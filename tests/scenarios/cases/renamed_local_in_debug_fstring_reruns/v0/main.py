from checkpointing import checkpoint

import helpers


@checkpoint
def step(values):
    print("COMPUTE step", flush=True)
    label = "total"
    return f"{label=}", sum(values)


if __name__ == "__main__":
    print("RESULT step", repr(step([1, 2, 3])))

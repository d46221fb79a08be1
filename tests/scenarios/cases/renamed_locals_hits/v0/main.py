from checkpointing import checkpoint

import helpers


@checkpoint
def step(values):
    print("COMPUTE step", flush=True)
    total = 0
    for value in values:
        total += helpers.weight(value)
    return total


if __name__ == "__main__":
    print("RESULT step", repr(step([1, 2, 3])))

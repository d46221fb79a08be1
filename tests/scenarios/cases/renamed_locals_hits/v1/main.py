from checkpointing import checkpoint

import helpers


@checkpoint
def step(values):
    print("COMPUTE step", flush=True)
    acc = 0
    for item in values:
        acc += helpers.weight(item)
    return acc


if __name__ == "__main__":
    print("RESULT step", repr(step([1, 2, 3])))

from checkpointing import checkpoint

import helpers


@checkpoint
def step(values):
    print("COMPUTE step", flush=True)
    factor = 2
    return [helpers.weight(v) * factor for v in values]


if __name__ == "__main__":
    print("RESULT step", repr(step([1, 2, 3])))

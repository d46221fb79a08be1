from collections import OrderedDict

from checkpointing import checkpoint


@checkpoint
def step(mapping):
    print("COMPUTE step", flush=True)
    return list(mapping)


if __name__ == "__main__":
    print("RESULT step", repr(step(OrderedDict([("a", 1), ("b", 2)]))))

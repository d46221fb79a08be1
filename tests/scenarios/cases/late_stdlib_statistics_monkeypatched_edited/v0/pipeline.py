import statistics

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return statistics.median([1, 2, x * 2, 10])

import glob

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * sum(int(open(p).read()) for p in sorted(glob.glob("data/*.txt")))

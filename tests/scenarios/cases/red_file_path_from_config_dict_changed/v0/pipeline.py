from checkpointing import checkpoint

CONFIG = {"path": "factor.txt"}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    with open(CONFIG["path"]) as f:
        return x * int(f.read())

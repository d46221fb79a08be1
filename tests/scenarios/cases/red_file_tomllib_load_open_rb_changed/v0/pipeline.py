import tomllib

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    with open("cfg.toml", "rb") as f:
        return x * tomllib.load(f)["k"]

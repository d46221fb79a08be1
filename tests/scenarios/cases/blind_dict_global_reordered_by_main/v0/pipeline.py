from checkpointing import checkpoint

CONFIG = {"lr": 0.1, "epochs": 3}


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return [f"{k}={v}" for k, v in CONFIG.items()][:x]

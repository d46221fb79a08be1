from checkpointing import checkpoint

N_COMPUTED = 0


@checkpoint
def step(x):
    global N_COMPUTED
    print("COMPUTE step", flush=True)
    N_COMPUTED += 1
    return x * 2

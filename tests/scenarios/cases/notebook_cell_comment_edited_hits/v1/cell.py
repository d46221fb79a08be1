from checkpointing import checkpoint


# a note

def helper(x):  # doubles
    return x * 2


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return helper(x)

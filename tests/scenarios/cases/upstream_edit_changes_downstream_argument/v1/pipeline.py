from checkpointing import checkpoint


@checkpoint
def load(n):
    print("COMPUTE load", flush=True)
    return list(range(1, n + 1))


@checkpoint
def train(data):
    print("COMPUTE train", flush=True)
    return sum(data) / len(data)

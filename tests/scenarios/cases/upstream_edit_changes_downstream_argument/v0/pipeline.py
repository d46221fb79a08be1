from checkpointing import checkpoint


@checkpoint
def load(n):
    print("COMPUTE load", flush=True)
    return list(range(n))


@checkpoint
def train(data):
    print("COMPUTE train", flush=True)
    return sum(data) / len(data)

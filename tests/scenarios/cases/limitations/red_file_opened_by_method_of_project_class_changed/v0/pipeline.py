from checkpointing import checkpoint


class Loader:
    PATH = "factor.txt"

    def load(self):
        with open(self.PATH) as f:
            return int(f.read())



@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    return x * Loader().load()

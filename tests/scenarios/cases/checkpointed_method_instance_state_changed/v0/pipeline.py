from checkpointing import checkpoint


class Pipeline:
    def __init__(self, rate):
        self.rate = rate

    @checkpoint
    def run(self, x):
        print("COMPUTE run", flush=True)
        return x * self.rate

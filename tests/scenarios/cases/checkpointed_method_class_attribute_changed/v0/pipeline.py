from checkpointing import checkpoint


class Pipeline:
    RATE = 2

    @checkpoint
    def run(self, x):
        print("COMPUTE run", flush=True)
        return x * self.RATE

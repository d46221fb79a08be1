from checkpointing import checkpoint


class Pipeline:
    @checkpoint
    def run(self, x):
        print("COMPUTE run", flush=True)
        return x + 10

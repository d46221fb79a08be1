from checkpointing import checkpoint


def make_step(factor):
    @checkpoint
    def step(x):
        print("COMPUTE step", flush=True)
        return x * factor

    return step


step = make_step(2)

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

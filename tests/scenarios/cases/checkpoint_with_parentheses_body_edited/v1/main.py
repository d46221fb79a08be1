from checkpointing import checkpoint


@checkpoint()
def step(text):
    print("COMPUTE step", flush=True)
    return text.upper() + "!"


if __name__ == "__main__":
    print("RESULT step", repr(step("abc")))

from checkpointing import checkpoint


@checkpoint
def fib(n):
    print("COMPUTE fib", flush=True)
    return n if n < 2 else fib(n - 1) + fib(n - 2)


if __name__ == "__main__":
    print("RESULT fib", repr(fib(6)))

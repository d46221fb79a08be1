def fact(n):
    return 2 if n <= 1 else n * fact(n - 1)

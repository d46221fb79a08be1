def ping(n):
    return 0 if n <= 0 else 1 + pong(n - 1)


def pong(n):
    return 0 if n <= 0 else 20 + ping(n - 1)

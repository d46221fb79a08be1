def expand(n) -> list:
    return [i * 2 for i in range(n)]

def evens(n):
    for i in range(n):
        if i % 3 == 0:
            yield i

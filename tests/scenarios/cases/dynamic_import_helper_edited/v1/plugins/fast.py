def run(x):
    return x * 3

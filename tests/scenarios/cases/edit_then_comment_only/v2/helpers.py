def scale(x):
    # triple it
    return x * 3  # was 2

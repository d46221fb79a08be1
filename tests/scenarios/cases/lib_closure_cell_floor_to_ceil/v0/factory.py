def make_rounder(fn):
    def rounder(x):
        return fn(x)

    return rounder

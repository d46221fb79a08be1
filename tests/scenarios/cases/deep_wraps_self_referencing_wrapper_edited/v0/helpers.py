from decorators import logged


@logged
def smooth(v):
    return v + 10

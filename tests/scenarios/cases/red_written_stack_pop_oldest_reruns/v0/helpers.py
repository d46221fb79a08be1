STACK = []


def push(v):
    STACK.append(v)


def pop_oldest():
    return STACK.pop(0)

SLOTS = []


def put(v):
    SLOTS[0] = v

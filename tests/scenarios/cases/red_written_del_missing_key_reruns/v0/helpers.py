CACHE = {}


def drop(key):
    del CACHE[key]

import functools


def compare(a, b):
    return (a % 3) - (b % 3) or a - b


BY_RESIDUE = functools.cmp_to_key(compare)

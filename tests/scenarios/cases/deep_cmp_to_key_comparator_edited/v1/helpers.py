import functools


def compare(a, b):
    return (b % 3) - (a % 3) or a - b


BY_RESIDUE = functools.cmp_to_key(compare)

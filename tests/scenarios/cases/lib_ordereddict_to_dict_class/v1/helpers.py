import collections

MAPPING = dict


def build(pairs):
    return MAPPING(pairs)

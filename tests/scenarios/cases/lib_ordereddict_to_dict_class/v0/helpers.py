import collections

MAPPING = collections.OrderedDict


def build(pairs):
    return MAPPING(pairs)

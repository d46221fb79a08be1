import collections


def default_bucket():
    return {"scale": 2, "count": 0}


BUCKETS = collections.defaultdict(default_bucket)

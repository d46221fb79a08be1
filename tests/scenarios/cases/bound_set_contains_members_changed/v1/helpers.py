SEEN = {1, 3}
is_seen = SEEN.__contains__


def known(xs):
    return [x for x in xs if is_seen(x)]

import operator

import config

GET = operator.attrgetter("FACTOR")


def extra():
    try:
        return GET(config)
    except AttributeError:
        return -1

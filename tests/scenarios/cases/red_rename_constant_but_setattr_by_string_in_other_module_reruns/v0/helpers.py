import sys


def configure():
    setattr(sys.modules["pipeline"], "FACTOR", 10)

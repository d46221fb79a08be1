import sys


def configure():
    exec("FACTOR = 10", vars(sys.modules["pipeline"]))

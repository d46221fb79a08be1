import os


def scale_factor():
    return int(os.getenv("SCALE") or "1")

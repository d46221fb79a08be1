import helpers
from pipeline import step


def scale_by_ten(x):
    return x * 10


if __name__ == "__main__":
    helpers.scale = scale_by_ten
    print("RESULT step", repr(step(3)))

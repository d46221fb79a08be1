import helpers
from pipeline import step


def scale_by_ten(x):
    return x * 10


if __name__ == "__main__":
    print("RESULT before", repr(step(3)))
    helpers.scale = scale_by_ten
    print("RESULT after", repr(step(3)))

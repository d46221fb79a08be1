import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.LOG.extend([1, 2])
    print("RESULT step", repr(step(3)))

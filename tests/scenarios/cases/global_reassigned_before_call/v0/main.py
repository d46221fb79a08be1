import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.SCALE = 2
    print("RESULT step", repr(step(3)))

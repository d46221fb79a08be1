import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.SCALE = 3
    print("RESULT step", repr(step(3)))

import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.COUNTS["z"] = 5
    print("RESULT step", repr(step(3)))

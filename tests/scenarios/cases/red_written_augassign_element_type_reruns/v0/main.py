import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.TOTALS["a"] = 0
    print("RESULT step", repr(step(3)))

import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.TOTALS["a"] = ""
    print("RESULT step", repr(step(3)))

import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.CACHE["a"] = 1
    print("RESULT step", repr(step(3)))

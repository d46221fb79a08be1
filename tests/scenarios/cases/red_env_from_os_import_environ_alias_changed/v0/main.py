import os

from pipeline import step

if __name__ == "__main__":
    os.environ["SCALE"] = "2"
    print("RESULT step", repr(step(3)))

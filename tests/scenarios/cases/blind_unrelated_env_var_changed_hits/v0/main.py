import os

from pipeline import step

if __name__ == "__main__":
    os.environ["SCALE"] = "2"
    os.environ["RUN_LABEL"] = "baseline"
    print("RESULT step", repr(step(3)))

import os

from pipeline import step

if __name__ == "__main__":
    os.chdir("b")
    print("RESULT step", repr(step(3)))

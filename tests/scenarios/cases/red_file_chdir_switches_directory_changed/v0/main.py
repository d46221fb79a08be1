import os

from pipeline import step

if __name__ == "__main__":
    os.chdir("a")
    print("RESULT step", repr(step(3)))

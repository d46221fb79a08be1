from helpers import Model
from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step(Model(2), 3)))

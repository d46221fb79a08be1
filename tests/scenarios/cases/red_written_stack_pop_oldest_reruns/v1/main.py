import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.STACK.append(99)
    print("RESULT step", repr(step(3)))

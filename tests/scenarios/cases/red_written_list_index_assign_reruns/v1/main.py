import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.SLOTS.append(None)
    print("RESULT step", repr(step(3)))

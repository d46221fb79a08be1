import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.CONFIG["shift"] = 5
    print("RESULT step", repr(step(3)))

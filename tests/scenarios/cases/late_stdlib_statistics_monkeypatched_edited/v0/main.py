import patches  # noqa: F401  (installs the patch)
from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

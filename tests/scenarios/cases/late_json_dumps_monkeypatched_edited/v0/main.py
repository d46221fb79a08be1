import compat  # noqa: F401  (installs json.dumps)
from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))

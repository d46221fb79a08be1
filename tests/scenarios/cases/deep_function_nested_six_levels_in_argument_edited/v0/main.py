import helpers
from pipeline import step

if __name__ == "__main__":
    plan = {"stages": [({"ops": [("scale", helpers.scale)]}, "v1")]}
    print("RESULT step", repr(step(plan, 3)))

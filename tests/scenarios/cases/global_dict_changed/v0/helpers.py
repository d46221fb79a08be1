CONFIG = {"scale": 2, "shift": 1, "name": "default"}


def transform(x):
    return x * CONFIG["scale"] + CONFIG["shift"]

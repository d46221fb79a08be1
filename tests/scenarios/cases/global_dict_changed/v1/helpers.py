CONFIG = {"scale": 2, "shift": 4, "name": "default"}


def transform(x):
    return x * CONFIG["scale"] + CONFIG["shift"]

from paths import DATA


def load():
    with open(DATA) as f:
        return int(f.read())

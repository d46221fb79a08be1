TABLE = {"a": 1, "b": 20, "c": 3}


def make_encoder(get):
    def encode(text):
        return [get(ch, 0) for ch in text]

    return encode


ENCODE = make_encoder(TABLE.get)

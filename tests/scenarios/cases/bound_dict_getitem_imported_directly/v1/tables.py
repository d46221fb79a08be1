TABLE = {"a": "A", "b": "8", "c": "C"}
translate = TABLE.__getitem__

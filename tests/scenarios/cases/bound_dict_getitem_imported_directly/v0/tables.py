TABLE = {"a": "A", "b": "B", "c": "C"}
translate = TABLE.__getitem__

class Op:
    def apply(self, v):
        return v * 2

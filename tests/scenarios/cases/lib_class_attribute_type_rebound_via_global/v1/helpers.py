CAST = float


class Parser:
    cast = CAST

    def parse(self, text):
        return self.cast(text)

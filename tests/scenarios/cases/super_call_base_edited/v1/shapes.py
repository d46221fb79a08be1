class Shape:
    def describe(self):
        return "polygon"


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def describe(self):
        return super().describe() + f" of side {self.side}"

class Shape:
    def describe(self):
        return f"area={self.area()}"


class Verbose:
    def describe(self):
        return f"a shape whose area is {self.area()}"


class Square(Verbose):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side

class Item:
    def __init__(self, w):
        self.w = w

    def score(self, k):
        return self.w * k + 1

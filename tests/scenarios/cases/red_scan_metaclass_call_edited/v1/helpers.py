class Meta(type):
    def __call__(cls, v):
        return super().__call__(v * 5)

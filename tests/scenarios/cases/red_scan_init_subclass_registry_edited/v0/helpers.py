from base import Base


class Double(Base):
    def apply(self, v):
        return v * 2

from pipeline import step
from report import render

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
    print("RESULT render", repr(render(step(3))))

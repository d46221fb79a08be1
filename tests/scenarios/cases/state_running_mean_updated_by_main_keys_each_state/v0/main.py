import stats
from pipeline import centre

if __name__ == "__main__":
    stats.update(2.0)
    print("RESULT a", repr(centre(5.0)))
    stats.update(6.0)
    print("RESULT b", repr(centre(5.0)))

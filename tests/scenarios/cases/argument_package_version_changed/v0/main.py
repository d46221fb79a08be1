import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "site-packages"))

import fakepkg
from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step(fakepkg.Frame([1, 2, 3]))))

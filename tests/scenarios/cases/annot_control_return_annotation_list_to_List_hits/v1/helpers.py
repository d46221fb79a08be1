from typing import List


def expand(n) -> List[int]:
    return [i * 2 for i in range(n)]

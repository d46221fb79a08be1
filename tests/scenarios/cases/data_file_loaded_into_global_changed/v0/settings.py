from pathlib import Path

FACTOR = int(Path(__file__).with_name("factor.txt").read_text())

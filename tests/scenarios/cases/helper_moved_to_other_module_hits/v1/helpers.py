# scale moved to numerics.py

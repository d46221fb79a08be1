import json

ENCODE = json.JSONEncoder(sort_keys=True).encode

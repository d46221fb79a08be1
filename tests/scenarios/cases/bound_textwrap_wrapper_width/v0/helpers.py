import textwrap

WRAP = textwrap.TextWrapper(width=6).wrap

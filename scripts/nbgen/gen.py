"""Writes notebooks/*.ipynb from the sources nbNN.py in this folder.

Usage: python3 scripts/nbgen/gen.py [NN ...]   (default: every notebook;
with arguments, only those whose number is given, e.g. `gen.py 01 03`)
"""
import importlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from common import nb  # noqa: E402

out = os.path.join(here, "..", "..", "notebooks")
only = set(sys.argv[1:])
for f in sorted(os.listdir(here)):
    if f.startswith("nb") and f.endswith(".py") and f != "nbgen.py":
        if only and f[2:-3] not in only:
            continue
        m = importlib.import_module(f[:-3])
        with open(os.path.join(out, m.NAME + ".ipynb"), "w") as fh:
            json.dump(nb(m.CELLS), fh, indent=1, ensure_ascii=True)
            fh.write("\n")
        print("wrote notebooks/%s.ipynb" % m.NAME)

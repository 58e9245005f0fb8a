"""Writes notebooks/*.ipynb from the sources nbNN.py in this folder."""
import importlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from common import nb  # noqa: E402

out = os.path.join(here, "..", "..", "notebooks")
for f in sorted(os.listdir(here)):
    if f.startswith("nb") and f.endswith(".py") and f != "nbgen.py":
        m = importlib.import_module(f[:-3])
        with open(os.path.join(out, m.NAME + ".ipynb"), "w") as fh:
            json.dump(nb(m.CELLS), fh, indent=1)
            fh.write("\n")
        print("wrote notebooks/%s.ipynb" % m.NAME)

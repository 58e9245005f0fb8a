"""Writes notebooks/*.ipynb from the sources nbNN.py in this folder.

Usage: python3 scripts/nbgen/gen.py [--check] [NN ...]   (default: every
notebook; with arguments, only those whose number is given, e.g.
`gen.py 01 03`). --check writes nothing and fails if a notebook differs from
what its source generates (scripts/test.sh runs it).
"""
import importlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from common import nb  # noqa: E402

out = os.path.join(here, "..", "..", "notebooks")
args = sys.argv[1:]
check = "--check" in args
only = set(a for a in args if a != "--check")
stale = []
for f in sorted(os.listdir(here)):
    if f.startswith("nb") and f.endswith(".py") and f != "nbgen.py":
        if only and f[2:-3] not in only:
            continue
        m = importlib.import_module(f[:-3])
        path = os.path.join(out, m.NAME + ".ipynb")
        text = json.dumps(nb(m.CELLS), indent=1, ensure_ascii=True) + "\n"
        if check:
            try:
                with open(path) as fh:
                    same = fh.read() == text
            except OSError:
                same = False
            if not same:
                stale.append("notebooks/%s.ipynb (from scripts/nbgen/%s)" % (m.NAME, f))
            continue
        with open(path, "w") as fh:
            fh.write(text)
        print("wrote notebooks/%s.ipynb" % m.NAME)
if stale:
    print("these notebooks differ from their sources: run `make notebooks-gen` and commit them:\n  " + "\n  ".join(stale))
    sys.exit(1)

"""Shared helpers for the notebook sources in this folder.

Each NN-*.py file here is the source of notebooks/NN-*.ipynb: prose and short
cells calling the library. Regenerate the notebooks with `make notebooks-gen`
(python3 scripts/nbgen/gen.py), which writes them without outputs; `make run`
executes them.
"""
import json
def nb(cells):
    out = []
    for kind, src in cells:
        src = src.strip("\n")
        lines = [l + "\n" for l in src.split("\n")]
        lines[-1] = lines[-1].rstrip("\n")
        c = {"cell_type": kind, "id": "cell-%02d" % len(out), "metadata": {}, "source": lines}
        if kind == "code":
            c["execution_count"] = None
            c["outputs"] = []
        out.append(c)
    return {"cells": out, "metadata": {"kernelspec": {"display_name": "Go (gonb)", "language": "go", "name": "gonb"},
            "language_info": {"codemirror_mode": "", "file_extension": ".go", "mimetype": "", "name": "go", "nbconvert_exporter": "", "pygments_lexer": "", "version": "go1.26"}},
            "nbformat": 4, "nbformat_minor": 5}

SETUP = ("code", """!*go mod edit -replace github.com/modadd/modadd=${GONB_DIR}/.. -require github.com/modadd/modadd@v0.0.0-00010101000000-000000000000""")


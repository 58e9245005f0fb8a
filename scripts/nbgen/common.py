"""Shared helpers for the notebook sources in this folder.

Each NN-*.py file here is the source of notebooks/NN-*.ipynb: prose and short
cells calling the library. Regenerate the notebooks with `make notebooks-gen`
(python3 scripts/nbgen/gen.py), which writes them without outputs; `make run`
executes them. `python3 scripts/nbgen/gocheck.py` compiles, vets and gofmt-checks
the cells' Go in seconds without running anything (`make test` runs it first).
"""
import json
# The notebooks are Go: GitHub, nbconvert and Jupyter highlight code by these.
LANGUAGE_INFO = {"codemirror_mode": "go", "file_extension": ".go", "mimetype": "text/x-go", "name": "go",
                 "nbconvert_exporter": "", "pygments_lexer": "go", "version": "go1.26"}


def nb(cells):
    """The notebook of cells: (kind, source) or (kind, source, metadata)."""
    out = []
    for cell in cells:
        kind, src = cell[0], cell[1]
        meta = dict(cell[2]) if len(cell) > 2 else {}
        src = src.strip("\n")
        lines = [l + "\n" for l in src.split("\n")]
        lines[-1] = lines[-1].rstrip("\n")
        c = {"cell_type": kind, "id": "cell-%02d" % len(out), "metadata": meta, "source": lines}
        if kind == "code":
            c["execution_count"] = None
            c["outputs"] = []
        out.append(c)
    return {"cells": out, "metadata": {"kernelspec": {"display_name": "Go (gonb)", "language": "go", "name": "gonb"},
            "language_info": LANGUAGE_INFO},
            "nbformat": 4, "nbformat_minor": 5}

# The first code cell of every notebook points GoNB's module at the project's
# own (see TOOLCHAIN.md). It is plumbing, not content: tagged so that the HTML
# export (scripts/nbhtml) leaves it out; interactive Jupyter still runs it.
SETUP = ("code", """!*go mod edit -replace github.com/modadd/modadd=${GONB_DIR}/.. -require github.com/modadd/modadd@v0.0.0-00010101000000-000000000000""",
         {"tags": ["remove_cell"]})


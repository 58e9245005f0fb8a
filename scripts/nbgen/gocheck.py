"""Compiles, vets and gofmt-checks the Go in the notebooks without running them.

Usage: python3 scripts/nbgen/gocheck.py [NN ...]   (default: every notebook;
with arguments, only those whose number is given). scripts/test.sh runs it
before anything executes a notebook.

For each source nbNN.py it assembles the notebook's Go cells the way GoNB
merges them: the top-level declarations of all cells (imports de-duplicated
into one block), and the statements after each cell's `%%` line as the body of
a function of its own, `func cellMM()` for the notebook's cell-MM, so that
every cell compiles against the declarations of the whole notebook. `!` and
`%` lines (shell commands, magics) are left out, as GoNB leaves them out of the
Go. Each program goes to build/_nbcheck/NN/main.go (build/ is ignored by git;
the leading `_` keeps the packages out of `./...`), and one `go vet` compiles
and vets them all. Separately, each cell is checked to be gofmt-clean, its
`%%` body formatted as the function body it becomes (one tab deeper), the way
GoNB writes it into `func main`: build/_nbcheck/fmt/NN-cell-MM.go, one
`gofmt -l` over all of them. Errors name the notebook, the cell, the line in
the cell and the line of scripts/nbgen/nbNN.py; a cell gofmt would change is
shown as a diff of the cell. Exit status 1 on any finding.

Where GoNB differs: it runs goimports over the merged program, which adds
missing standard-library imports and drops unused ones; here every import must
be written and used (somewhere in the notebook). A function redeclared in a
later cell replaces the earlier one in GoNB; here it is a compile error (no
notebook does it).
Also: every cell's declarations go into one program, so a cell that uses
a function declared only in a later cell passes this check but fails when
GoNB runs the cells in order (keep declarations before their use).
"""
import ast
import difflib
import importlib
import os
import re
import shutil
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
sys.dont_write_bytecode = True  # no __pycache__ in the sources
sys.path.insert(0, here)
from common import nb  # noqa: E402

OUT = os.path.join("build", "_nbcheck")  # relative to root
GONB_PREFIX = "//gonb:"


def py_lines(path):
    """The line of path where each element of CELLS starts its source text."""
    tree = ast.parse(open(path).read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CELLS" for t in node.targets):
            out = []
            for elt in node.value.elts:
                if isinstance(elt, ast.Tuple) and len(elt.elts) > 1:
                    out.append(elt.elts[1].lineno)
                else:
                    out.append(None)  # e.g. SETUP, defined in common.py
            return out
    return []


def raw_string_starts(lines):
    """Indices of the lines that begin inside a raw string literal (`...`)."""
    inside = set()
    state = "code"
    for i, line in enumerate(lines):
        if state == "raw":
            inside.add(i)
        elif state in ("line", "str", "rune"):
            state = "code"  # a line comment ends here; a quoted string cannot span lines
        j = 0
        while j < len(line):
            c = line[j]
            if state == "code":
                if line.startswith("//", j):
                    state = "line"
                    break
                if line.startswith("/*", j):
                    state, j = "block", j + 1
                elif c == '"':
                    state = "str"
                elif c == "'":
                    state = "rune"
                elif c == "`":
                    state = "raw"
            elif state == "block":
                if line.startswith("*/", j):
                    state, j = "code", j + 1
            elif state in ("str", "rune"):
                if c == "\\":
                    j += 1
                elif c == ('"' if state == "str" else "'"):
                    state = "code"
            elif state == "raw":
                if c == "`":
                    state = "code"
            j += 1
    return inside


class Cell:
    """One code cell split as GoNB splits it."""

    def __init__(self, notebook, cid, lines, pyfile, pyline):
        self.notebook, self.cid, self.lines = notebook, cid, lines
        self.pyfile, self.pyline = pyfile, pyline
        self.func = "cell" + cid.split("-")[1]
        self.skip = set()  # GoNB special lines: `!` commands, `%` magics (with `\` continuations)
        self.main = None  # index of the `%%` line
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith(GONB_PREFIX):
                line = line[len(GONB_PREFIX):]
            if self.main is None and (line.startswith("%main") or (line.startswith("%%") and (len(line) == 2 or line[2] in " \t"))):
                self.main = i
                self.skip.add(i)
            elif len(line) > 1 and line[0] in "%!":
                if line.startswith("%exec"):
                    raise SystemExit("%s: %%exec is not supported by gocheck.py" % self.where(i))
                while i < len(lines) and lines[i].endswith("\\"):
                    self.skip.add(i)
                    i += 1
                self.skip.add(min(i, len(lines) - 1))
            i += 1

    def is_go(self):
        return any(l.strip() for i, l in enumerate(self.lines) if i not in self.skip)

    def where(self, i=None):
        """notebooks/N.ipynb cell-MM line L (scripts/nbgen/nbNN.py:K), i 0-based in the cell."""
        s = "notebooks/%s.ipynb %s" % (self.notebook, self.cid)
        if i is None:
            return s + (" (scripts/nbgen/%s:%d)" % (self.pyfile, self.pyline) if self.pyline else "")
        s += " line %d" % (i + 1)
        if self.pyline:
            s += " (scripts/nbgen/%s:%d)" % (self.pyfile, self.pyline + i)
        return s

    def decl_lines(self):
        end = self.main if self.main is not None else len(self.lines)
        return [i for i in range(end) if i not in self.skip]

    def body_lines(self):
        if self.main is None:
            return []
        return [i for i in range(self.main + 1, len(self.lines)) if i not in self.skip]


IMPORT_SPEC = re.compile(r'^\s*((?:[A-Za-z_]\w*|\.)\s+)?("[^"]*")\s*(//.*)?$')


def split_imports(cell, idx):
    """Splits the declaration lines idx into import specs [(spec, line)] and the other lines."""
    specs, rest = [], []
    block = False
    for i in idx:
        s = cell.lines[i].strip()
        if block:
            if s == ")":
                block = False
            elif s and not s.startswith("//"):
                m = IMPORT_SPEC.match(s)
                if not m:
                    raise SystemExit("%s: cannot read this import: %s" % (cell.where(i), s))
                specs.append(((m.group(1) or "").strip() + " " + m.group(2), i))
            continue
        if s.startswith("import (") or s == "import(":
            block = True
            continue
        if s.startswith("import ") or s.startswith('import"'):
            m = IMPORT_SPEC.match(s[len("import"):])
            if not m:
                raise SystemExit("%s: cannot read this import: %s" % (cell.where(i), s))
            specs.append(((m.group(1) or "").strip() + " " + m.group(2), i))
            continue
        rest.append(i)
    return specs, rest


def load(only):
    """[(NN, notebook name, [Cell])] from the sources."""
    out = []
    for f in sorted(os.listdir(here)):
        if not (f.startswith("nb") and f.endswith(".py") and f[2:-3].isdigit()):
            continue
        nn = f[2:-3]
        if only and nn not in only:
            continue
        m = importlib.import_module(f[:-3])
        starts = py_lines(os.path.join(here, f))
        cells = []
        for k, (c, src) in enumerate(zip(nb(m.CELLS)["cells"], m.CELLS)):
            if c["cell_type"] != "code":
                continue
            text = "".join(c["source"])
            lead = len(src[1]) - len(src[1].lstrip("\n"))
            pyline = starts[k] + lead if k < len(starts) and starts[k] else None
            cell = Cell(m.NAME, c["id"], text.split("\n"), f, pyline)
            if cell.is_go():
                cells.append(cell)
        out.append((nn, m.NAME, cells))
    return out


def assemble(cells):
    """main.go for the notebook's cells and its line map: main.go line (1-based) -> (cell, cell index)."""
    out, where = [], {}

    def emit(text, src=None):
        if not text.strip() and (not out or not out[-1].strip()):
            return  # no runs of blank lines
        out.append(text)
        if src:
            where[len(out)] = src

    emit("// Code generated by scripts/nbgen/gocheck.py from the notebook's cells. DO NOT EDIT.")
    emit("")
    emit("package main")
    emit("")
    seen, imports, parts = set(), [], []
    for cell in cells:
        specs, rest = split_imports(cell, cell.decl_lines())
        for spec, i in specs:
            if spec not in seen:
                seen.add(spec)
                imports.append((spec, cell, i))
        parts.append((cell, rest))
    if imports:
        emit("import (")
        for spec, cell, i in imports:
            emit("\t" + spec.strip(), (cell, i))
        emit(")")
    for cell, rest in parts:
        emit("")
        emit("// " + cell.where())
        for i in rest:
            emit(cell.lines[i], (cell, i))
        if cell.main is not None:
            emit("")
            emit("func %s() {" % cell.func, (cell, cell.main))
            for i in cell.body_lines():
                emit(cell.lines[i], (cell, i))
            emit("}")
    emit("")
    emit("func main() {")
    for cell in cells:
        if cell.main is not None:
            emit("\t%s()" % cell.func)
    emit("}")
    return "\n".join(out) + "\n", where


def fmt_file(cell):
    """The cell as a Go file whose lines are the cell's, shifted by 2; placeholders for special lines."""
    raw = raw_string_starts(cell.lines)
    out = ["package main", ""]
    for i, line in enumerate(cell.lines):
        if i == cell.main:
            out.append("func %s() {" % cell.func)
        elif i in cell.skip:
            out.append(("\t" if cell.main is not None and i > cell.main else "") + "//nbcheck:line %d" % i)
        elif cell.main is not None and i > cell.main and line and i not in raw:
            out.append("\t" + line)
        else:
            out.append(line)
    if cell.main is not None:
        out.append("}")
    return "\n".join(out) + "\n"


def unfmt(cell, text):
    """Turns gofmt's output for fmt_file(cell) back into the cell's text (None if it cannot)."""
    lines = text.rstrip("\n").split("\n")
    if lines[:2] != ["package main", ""]:
        return None
    lines = lines[2:]
    head = "func %s() {" % cell.func
    if cell.main is not None:
        if head not in lines or lines[-1] != "}":
            return None
        k = lines.index(head)
        body = lines[k + 1:-1]
        raw = raw_string_starts(body)
        body = [l[1:] if l.startswith("\t") and j not in raw else l for j, l in enumerate(body)]
        lines = lines[:k] + ["%%"] + body
    out = []
    for l in lines:
        m = re.match(r"^\s*//nbcheck:line (\d+)$", l)
        out.append(cell.lines[int(m.group(1))] if m else l)
    return out


def locate(text, maps):
    """Rewrites build/_nbcheck/... positions in tool output as notebook cell positions."""
    def sub(m):
        path, line = m.group(1), int(m.group(2))
        src = maps.get(os.path.normpath(path).split(os.sep + "_nbcheck" + os.sep)[-1].replace(os.sep, "/"))
        if src is None:
            return m.group(0)
        hit = src(line)
        if hit is None:
            return m.group(0)
        cell, i = hit
        col = m.group(3) or ""
        return "%s%s [%s:%d%s]" % (cell.where(i), (" col " + col[1:]) if col else "", path, line, col)
    return re.sub(r"((?:\S*/)?_nbcheck/[\w./-]+\.go):(\d+)(:\d+)?", sub, text)


def by_package(text):
    """go's output split by its `# package` headers: {package: [lines]}."""
    out, pkg = {}, ""
    for l in text.split("\n"):
        if l.startswith("# "):
            pkg = l[2:].strip().strip("[]")  # vet repeats it as "# [package]"
        elif l.strip():
            out.setdefault(pkg, []).append(l)
    return out


def main():
    only = set(sys.argv[1:])
    t0 = time.time()
    os.chdir(root)
    shutil.rmtree(OUT, ignore_errors=True)
    notebooks = load(only)
    maps, pkgs, fmts = {}, [], []
    os.makedirs(os.path.join(OUT, "fmt"))
    ncells = 0
    for nn, name, cells in notebooks:
        if not cells:
            continue
        ncells += len(cells)
        text, where = assemble(cells)
        d = os.path.join(OUT, nn)
        os.makedirs(d)
        with open(os.path.join(d, "main.go"), "w") as fh:
            fh.write(text)
        maps[nn + "/main.go"] = where.get
        pkgs.append("./" + d)
        for cell in cells:
            p = os.path.join(OUT, "fmt", "%s-%s.go" % (nn, cell.cid))
            with open(p, "w") as fh:
                fh.write(fmt_file(cell))
            maps["fmt/%s-%s.go" % (nn, cell.cid)] = (lambda c: lambda l: (c, l - 3) if 3 <= l < len(c.lines) + 3 else None)(cell)
            fmts.append((p, cell))
    failed = False

    # gofmt: one process for all cells; a diff of each cell it would change.
    if fmts:
        r = subprocess.run(["gofmt", "-l"] + [p for p, _ in fmts], capture_output=True, text=True)
        if r.stderr.strip():
            failed = True
            print("gocheck: gofmt cannot parse these cells:\n" + locate(r.stderr, maps).rstrip())
        listed = set(os.path.normpath(l) for l in r.stdout.split())
        for p, cell in fmts:
            if os.path.normpath(p) not in listed:
                continue
            failed = True
            got = subprocess.run(["gofmt", p], capture_output=True, text=True).stdout
            new = unfmt(cell, got)
            print("gocheck: %s is not gofmt-clean; gofmt would change it so:" % cell.where())
            if new is None:
                print(subprocess.run(["gofmt", "-d", p], capture_output=True, text=True).stdout.rstrip())
                continue
            for l in difflib.unified_diff(cell.lines, new, "%s (as written)" % cell.cid, "%s (gofmt)" % cell.cid, lineterm=""):
                print(l)

    # go vet: compiles and vets every notebook's program in one run. vet shows
    # only a package's first type error: on a failure, go build lists them all.
    if pkgs:
        env = dict(os.environ, CGO_ENABLED=os.environ.get("CGO_ENABLED", "0"))
        r = subprocess.run(["go", "vet"] + pkgs, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            failed = True
            vetted = by_package(r.stdout + r.stderr)
            bad = [p for p in pkgs if any(k.endswith(p[1:]) for k in vetted)]
            b = subprocess.run(["go", "build", "-o", os.path.join(OUT, "bin") + os.sep] + (bad or pkgs),
                               capture_output=True, text=True, env=env)
            built = by_package(b.stdout + b.stderr) if b.returncode != 0 else {}
            out = []
            for p, lines in list(built.items()) + [(p, l) for p, l in vetted.items() if p not in built]:
                if "/_nbcheck/" not in p:
                    out.append("# " + p)  # the library's own code, not a notebook's
                out += lines
            print("gocheck: the notebooks' Go does not compile or fails go vet (programs in %s/NN/main.go):\n%s"
                  % (OUT, locate("\n".join(out), maps)))
    print("gocheck: %d code cells of %d notebooks %s in %.1f s" % (ncells, len(pkgs), "FAILED" if failed else "compile, vet and are gofmt-clean", time.time() - t0))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

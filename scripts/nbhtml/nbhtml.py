"""Exports executed notebooks to HTML that a reader can open anywhere.

Usage: /usr/bin/python3 scripts/nbhtml/nbhtml.py OUTDIR EXECUTED.ipynb ...
       /usr/bin/python3 scripts/nbhtml/nbhtml.py --docs DIR EXECUTED.ipynb ...

With --docs it writes DIR/NAME.ipynb instead: the executed notebook for
reading on the code host, where each figure keeps only its PNG (nb.Show
sends SVG and PNG; code hosts' previews drop or mangle inline SVG).

Writes OUTDIR/NAME.html for each executed notebook, and first restores the Go
language_info in the notebook itself (the GoNB kernel reports an empty
pygments lexer, which the execution writes into the notebook's metadata).
What it does on top of `jupyter nbconvert --to html` (template lab):
  - math is typeset offline, on any machine: KaTeX (Debian's libjs-katex and
    fonts-katex) is inlined into the page, its fonts as data URIs, and renders
    the $...$ and $$...$$ of the markdown cells when the page loads. The stock
    template points at file:///usr/share/javascript/mathjax, which exists only
    where libjs-mathjax is installed, and shows raw LaTeX everywhere else;
  - no scripts are loaded from the network (require.js is only for widgets);
  - cells tagged "remove_cell" (the notebooks' `go mod edit` setup line) are
    left out, inputs of cells tagged "remove_input" too;
  - code is highlighted as Go (the notebook's language_info says go);
  - long lines wrap instead of being clipped.
"""
import base64
import os
import re
import sys

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

KATEX = "/usr/share/javascript/katex"
HERE = os.path.dirname(os.path.abspath(__file__))

# Code and text outputs wrap; tables and figures stay within the page.
CSS = """
.jp-InputArea-editor pre, .jp-OutputArea-output pre, .highlight pre {
  white-space: pre-wrap; overflow-wrap: anywhere;
}
.jp-OutputArea-output svg, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon .katex-display { overflow-x: auto; overflow-y: hidden; }
"""

GO_LANGUAGE = {"name": "go", "pygments_lexer": "go", "codemirror_mode": "go",
               "file_extension": ".go", "mimetype": "text/x-go"}


def katex_head():
    """The KaTeX stylesheet (fonts inlined) and scripts, as a <head> fragment."""
    css = open(os.path.join(KATEX, "katex.min.css"), encoding="utf-8").read()

    def font(m):
        name = m.group(1)
        path = os.path.join(KATEX, "fonts", name + ".woff2")
        data = base64.b64encode(open(path, "rb").read()).decode("ascii")
        return "src:url(data:font/woff2;base64,%s) format('woff2')" % data

    # Each @font-face lists woff2, woff and ttf: keep the woff2 alone, inlined.
    css, n = re.subn(r"src:url\(fonts/([^)]+?)\.woff2\) format\('woff2'\)(?:,url\([^)]*\) format\('[a-z]+'\))*", font, css)
    if n == 0:
        raise SystemExit("nbhtml: no fonts found in %s/katex.min.css" % KATEX)
    js = open(os.path.join(KATEX, "katex.min.js"), encoding="utf-8").read()
    auto = open(os.path.join(KATEX, "contrib", "auto-render.js"), encoding="utf-8").read()
    for s in (js, auto):
        if "</script" in s:
            raise SystemExit("nbhtml: KaTeX's source contains </script>")
    init = """document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [
      {left: "$$", right: "$$", display: true},
      {left: "\\\\[", right: "\\\\]", display: true},
      {left: "$", right: "$", display: false},
      {left: "\\\\(", right: "\\\\)", display: false}
    ],
    ignoredClasses: ["jp-OutputArea-output", "jp-InputArea-editor"],
    throwOnError: false
  });
});"""
    return ("<style type=\"text/css\">%s</style>\n<script>%s</script>\n<script>%s</script>\n<script>%s</script>\n"
            % (css, js, auto, init))


def export(path, outdir, head):
    nb = nbformat.read(path, as_version=4)
    info = nb.metadata.setdefault("language_info", {})
    if any(info.get(k) != v for k, v in GO_LANGUAGE.items()):
        info.update(GO_LANGUAGE)
        nbformat.write(nb, path + ".tmp")
        os.replace(path + ".tmp", path)
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ["remove_cell"]
    c.TagRemovePreprocessor.remove_input_tags = ["remove_input"]
    c.HTMLExporter.extra_template_basedirs = [os.path.join(HERE, "templates")]
    c.HTMLExporter.template_name = "modadd"
    ex = HTMLExporter(config=c)
    ex.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    name = os.path.splitext(os.path.basename(path))[0]
    body, _ = ex.from_notebook_node(nb, resources={"metadata": {"name": name}, "modadd_head": head, "modadd_css": CSS})
    out = os.path.join(outdir, name + ".html")
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(out + ".tmp", out)
    return out


def docs_copy(path, outdir):
    """Writes outdir/NAME.ipynb: path with its figures as PNG only."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "image/png" in data and "<svg" in data.get("text/html", ""):
                del data["text/html"]
    out = os.path.join(outdir, os.path.basename(path))
    nbformat.write(nb, out + ".tmp")
    os.replace(out + ".tmp", out)
    return out


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    if sys.argv[1] == "--docs":
        for path in sys.argv[3:]:
            print(docs_copy(path, sys.argv[2]))
        return
    outdir = sys.argv[1]
    head = katex_head()
    for path in sys.argv[2:]:
        print(export(path, outdir, head))


if __name__ == "__main__":
    main()

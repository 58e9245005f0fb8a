"""Checks what the main job wrote (scripts/notebooks.sh runs it at the end).

Usage: /usr/bin/python3 scripts/nbhtml/check.py [--since UNIX_SECONDS] FIGDIR EXECUTED.ipynb ...

Fails (exit 1, naming each problem) unless
  - every FIGDIR/*.svg written since --since (default: all) is valid UTF-8 and
    well-formed XML whose root is an <svg> element: browsers and rsvg refuse
    anything else and show nothing;
  - no executed notebook holds an error output, or a panic or a Go error
    printed to stderr, in any cell.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET


def check_svg(path):
    data = open(path, "rb").read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "not valid UTF-8 at byte %d" % e.start
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return "not well-formed XML: %s" % e
    if not root.tag.endswith("svg"):
        return "root element is <%s>, not <svg>" % root.tag
    return None


def check_notebook(path):
    problems = []
    nb = json.load(open(path, encoding="utf-8"))
    n = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        n += 1
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                problems.append("cell %d: error output %s: %s" % (n, o.get("ename"), o.get("evalue", "")[:200]))
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                text = "".join(o.get("text", []))
                for bad in ("panic:", "goroutine ", "error:", "Error:"):
                    if bad in text:
                        problems.append("cell %d: stderr shows %r: %s" % (n, bad, text.strip()[:200]))
                        break
    return problems


def main():
    args = sys.argv[1:]
    since = 0.0
    if args[:1] == ["--since"]:
        since, args = float(args[1]), args[2:]
    if not args:
        raise SystemExit(__doc__)
    figdir, notebooks = args[0], args[1:]
    bad, svgs = [], 0
    for f in sorted(os.listdir(figdir)):
        path = os.path.join(figdir, f)
        if f.endswith(".svg") and os.path.getmtime(path) >= since:
            svgs += 1
            why = check_svg(path)
            if why:
                bad.append("%s: %s" % (path, why))
    for nb in notebooks:
        bad += ["%s: %s" % (nb, p) for p in check_notebook(nb)]
    for b in bad:
        print("check: " + b, file=sys.stderr)
    if bad:
        sys.exit(1)
    print("check: %d figures are valid SVG (UTF-8, XML); %d executed notebooks have no errors" % (svgs, len(notebooks)))


if __name__ == "__main__":
    main()

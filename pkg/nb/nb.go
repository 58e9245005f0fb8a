// Package nb is the notebooks' side of the library: show a figure (and keep
// a copy of it under build/figures), show tables and markdown, and find the
// project's files, so that notebook cells stay one or two lines long.
// Outside GoNB (in tests, or a program) the same calls print plain text.
package nb

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/modadd/modadd/pkg/figures"
	"github.com/modadd/modadd/pkg/progress"
)

// Root returns the project's root directory: $MODADD_ROOT, or the first
// directory above the working directory holding the project's go.mod.
func Root() string {
	if r := os.Getenv("MODADD_ROOT"); r != "" {
		return r
	}
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/modadd/modadd\n") {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Path joins a path relative to the project root, e.g. Path("models", "p59-pizza-seed0").
func Path(rel ...string) string { return filepath.Join(append([]string{Root()}, rel...)...) }

// FiguresDir is where Show saves figures: $MODADD_FIGURES, or build/figures.
func FiguresDir() string {
	if d := os.Getenv("MODADD_FIGURES"); d != "" {
		return d
	}
	return Path("build", "figures")
}

// Must stops the cell with err's message if err is not nil.
func Must(err error) {
	if err != nil {
		panic(err)
	}
}

// Must1 returns v, or stops the cell with err's message.
func Must1[T any](v T, err error) T {
	Must(err)
	return v
}

// The display helpers below wait for GoNB to take each output (gonbui.Sync)
// before returning: a cell's program may exit right after its last one,
// and an output still in the pipe then is lost (notebook 04 lost a figure
// that way, in one run of two).

// Show displays the figure in the notebook and saves it as
// FiguresDir()/name.svg; outside a notebook it only saves it and prints the
// path. The notebook gets the SVG (as HTML, which Jupyter and its HTML
// export show) and a PNG of it in the same output: viewers that drop or
// mangle inline SVG, such as code hosts' notebook previews, show the PNG
// (scripts/nbhtml keeps only the PNG in the copies under docs/notebooks).
func Show(name string, f *figures.Figure) {
	f.Name = name
	path, err := f.Save(FiguresDir(), "svg")
	Must(err)
	if progress.InNotebook() {
		svg, err := os.ReadFile(path)
		Must(err)
		data := map[protocol.MIMEType]any{protocol.MIMETextHTML: "<div>" + string(svg) + "</div>"}
		if png, err := f.PNG(PNGDPI); err == nil {
			data[protocol.MIMEImagePNG] = png
		}
		gonbui.SendData(&protocol.DisplayData{Data: data})
		gonbui.Sync()
		return
	}
	fmt.Println("figure:", path)
}

// PNGDPI is the resolution of the PNG that Show adds to each figure.
const PNGDPI = 90

// Markdown displays markdown text (printed as is outside a notebook).
func Markdown(md string) {
	if progress.InNotebook() {
		gonbui.DisplayMarkdown(md)
		gonbui.Sync()
		return
	}
	fmt.Println(md)
}

// Table displays a table with a header row.
func Table(header []string, rows [][]string) {
	if !progress.InNotebook() {
		fmt.Println(strings.Join(header, "\t"))
		for _, r := range rows {
			fmt.Println(strings.Join(r, "\t"))
		}
		return
	}
	var b strings.Builder
	b.WriteString(`<table><thead><tr>`)
	for _, h := range header {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr></thead><tbody>")
	for _, r := range rows {
		b.WriteString("<tr>")
		for i, c := range r {
			align := "right"
			if i == 0 {
				align = "left"
			}
			fmt.Fprintf(&b, `<td style="text-align:%s">%s</td>`, align, html.EscapeString(c))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	gonbui.DisplayHTML(b.String())
	gonbui.Sync()
}

// KeyValues displays the fields of v (any value that marshals to a JSON
// object, such as a config.Config) as a two-column table, in field order.
func KeyValues(v any) {
	b, err := jsonMarshal(v)
	Must(err)
	var rows [][]string
	for _, kv := range b {
		rows = append(rows, []string{kv[0], kv[1]})
	}
	Table([]string{"key", "value"}, rows)
}

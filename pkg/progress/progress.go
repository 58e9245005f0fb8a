// Package progress shows the progress of a long job: a bar redrawn in place
// on a terminal, an HTML bar updated in place in a GoNB notebook, or plain
// lines (one every few seconds) when the output is a log file.
package progress

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Bar reports the progress of a job of Total steps.
type Bar struct {
	mu       sync.Mutex
	name     string
	total    int
	from     int
	start    time.Time
	last     time.Time
	w        io.Writer
	mode     int
	htmlID   string
	status   string
	interval time.Duration
}

const (
	modeTerminal = iota
	modeLines
	modeNotebook
)

// InNotebook reports whether the program runs inside a GoNB cell.
func InNotebook() bool {
	_, ok := os.LookupEnv("GONB_PIPE")
	return ok
}

// New starts a bar for steps from..total, written to w (os.Stderr if nil).
// Inside GoNB it is drawn as HTML in the cell output; on a terminal it is
// redrawn in place; otherwise it prints a line every 10 seconds.
func New(name string, from, total int, w io.Writer) *Bar {
	b := &Bar{name: name, from: from, total: total, start: time.Now(), w: w, interval: 200 * time.Millisecond}
	if w == nil {
		b.w = os.Stderr
	}
	switch {
	case InNotebook():
		b.mode = modeNotebook
		b.htmlID = "modadd-progress-" + gonbui.UniqueID()
		gonbui.UpdateHTML(b.htmlID, b.html(from))
	case isTerminal(b.w):
		b.mode = modeTerminal
	default:
		b.mode = modeLines
		b.interval = 10 * time.Second
	}
	return b
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Update records that step has been reached, with a status text (e.g. the
// current loss), and redraws the bar if enough time has passed.
func (b *Bar) Update(step int, status string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = status
	if time.Since(b.last) < b.interval && step < b.total {
		return
	}
	b.last = time.Now()
	b.draw(step)
}

// Log prints a line above the bar (a line of its own in a log or notebook).
func (b *Bar) Log(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.mode {
	case modeTerminal:
		fmt.Fprintf(b.w, "\r\033[K%s\n", line)
	case modeNotebook:
		fmt.Fprintln(os.Stdout, line)
	default:
		fmt.Fprintln(b.w, line)
	}
}

// Done draws the final state.
func (b *Bar) Done(step int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(step)
	switch b.mode {
	case modeTerminal:
		fmt.Fprintln(b.w)
	case modeNotebook:
		gonbui.Sync() // the final state reaches the page before the cell's program exits
	}
}

func (b *Bar) frac(step int) float64 {
	if b.total <= 0 {
		return 1
	}
	return float64(step) / float64(b.total)
}

// eta is the estimated time left, from the rate since the bar started.
func (b *Bar) eta(step int) string {
	done := step - b.from
	if done <= 0 {
		return "?"
	}
	el := time.Since(b.start)
	left := time.Duration(float64(el) / float64(done) * float64(b.total-step))
	return left.Round(time.Second).String()
}

func (b *Bar) text(step int) string {
	el := time.Since(b.start).Round(time.Second)
	return fmt.Sprintf("%s %d/%d (%.0f%%) elapsed %s left %s %s", b.name, step, b.total, 100*b.frac(step), el, b.eta(step), b.status)
}

func (b *Bar) draw(step int) {
	switch b.mode {
	case modeNotebook:
		gonbui.UpdateHTML(b.htmlID, b.html(step))
	case modeTerminal:
		const width = 30
		n := int(b.frac(step) * width)
		n = max(0, min(width, n))
		fmt.Fprintf(b.w, "\r\033[K[%s%s] %s", strings.Repeat("#", n), strings.Repeat(".", width-n), b.text(step))
	default:
		fmt.Fprintln(b.w, b.text(step))
	}
}

func (b *Bar) html(step int) string {
	pct := 100 * b.frac(step)
	return fmt.Sprintf(`<div style="font-family:monospace"><div style="width:24em;border:1px solid #888;height:0.9em;display:inline-block;vertical-align:middle">`+
		`<div style="width:%.1f%%;height:100%%;background:#4a7"></div></div> %s</div>`, pct, html.EscapeString(b.text(step)))
}

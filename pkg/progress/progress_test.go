package progress

import (
	"bytes"
	"strings"
	"testing"
)

// Outside a terminal and a notebook the bar prints plain lines: the first
// update, throttled ones after (none within 10 s here), log lines, and
// always the final state.
func TestPlainOutput(t *testing.T) {
	var buf bytes.Buffer
	b := New("train", 10, 100, &buf)
	if b.mode != modeLines {
		t.Fatalf("a bytes.Buffer is not a terminal: mode %d", b.mode)
	}
	b.Update(11, "loss 1")
	for i := 12; i < 100; i++ {
		b.Update(i, "loss 0.5")
	}
	b.Log("note")
	b.Done(100)
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want the first update, the log line and the final state:\n%s", len(lines), out)
	}
	if !strings.Contains(lines[0], "train 11/100") || !strings.Contains(lines[2], "train 100/100 (100%)") || lines[1] != "note" {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

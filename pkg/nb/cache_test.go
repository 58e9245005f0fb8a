package nb

import "testing"

// TestCached: the value is computed once, then read back equal.
func TestCached(t *testing.T) {
	t.Setenv("MODADD_ROOT", t.TempDir())
	calls := 0
	f := func() (map[string]float64, error) { calls++; return map[string]float64{"x": 1.5}, nil }
	a := Cached("t", f)
	b := Cached("t", f)
	if calls != 1 || a["x"] != 1.5 || b["x"] != 1.5 {
		t.Fatalf("calls %d, values %v %v", calls, a, b)
	}
}

package checkpoint

import "testing"

// TestColumns: a [2, 3] tensor's three columns.
func TestColumns(t *testing.T) {
	c := Tensor{Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}}.Columns()
	if len(c) != 3 || c[0][0] != 1 || c[0][1] != 4 || c[2][0] != 3 || c[2][1] != 6 {
		t.Fatalf("columns %v", c)
	}
}

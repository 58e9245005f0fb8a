package nb

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/modadd/modadd/pkg/checkpoint"
)

// Cached returns the value stored under build/cache/name.json, or computes
// it, stores it and returns it. GoNB runs each cell as a new program, so a
// costly result that several cells show is computed once (scripts/notebooks.sh
// clears the cache before each full run; delete the file to recompute).
func Cached[T any](name string, compute func() (T, error)) T {
	path := Path("build", "cache", name+".json")
	var v T
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &v) == nil {
		return v
	}
	v = Must1(compute())
	b, err := json.Marshal(v)
	Must(err)
	Must(os.MkdirAll(filepath.Dir(path), 0o755))
	Must(checkpoint.WriteFileAtomic(path, b))
	return v
}

package train

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/metrics"
	"github.com/modadd/modadd/pkg/model"
)

// TestShippedModels evaluates every model under models/: each must load,
// match its recorded final metrics, and add correctly on all p² pairs.
func TestShippedModels(t *testing.T) {
	dirs, _ := checkpoint.Dirs(filepath.Join("..", "..", "models"))
	if len(dirs) == 0 {
		t.Skip("no shipped models")
	}
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		ck, err := checkpoint.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		logits, err := model.AllLogits(be, ck.Config, ck.Params, ck.Config.DType)
		if err != nil {
			t.Fatal(err)
		}
		split, _ := metrics.SplitOf(ck.Config)
		m, err := metrics.Measure(logits, split, ck.Epoch)
		if err != nil {
			t.Fatal(err)
		}
		if m.Acc != 1 {
			t.Errorf("%s: accuracy %v on all pairs, want 1", dir, m.Acc)
		}
		last, ok := ck.Last()
		if !ok || last.Acc != m.Acc || last.TrainAcc != m.TrainAcc {
			t.Errorf("%s: recorded final metrics %+v disagree with evaluation %+v", dir, last, m)
		}
		t.Logf("%s: epoch %d, accuracy %v, loss %.3g", dir, ck.Epoch, m.Acc, m.Loss)
	}
}

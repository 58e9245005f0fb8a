package nb

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/figures"
)

func TestRootAndShow(t *testing.T) {
	root := Root()
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("Root() = %s has no go.mod", root)
	}
	dir := t.TempDir()
	t.Setenv("MODADD_FIGURES", dir)
	Show("curves-test", figures.TrainingCurves("", []checkpoint.Metrics{{Epoch: 0, TrainLoss: 1}, {Epoch: 1, TrainLoss: 0.5}}))
	if _, err := os.Stat(filepath.Join(dir, "curves-test.svg")); err != nil {
		t.Fatal(err)
	}
}

func TestKeyValues(t *testing.T) {
	kv, err := jsonMarshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if kv[0][0] != "preset" || kv[0][1] != "pizza" || kv[1][0] != "p" || kv[1][1] != "59" {
		t.Fatalf("first pairs %v", kv[:2])
	}
	if _, err := jsonMarshal(3); err == nil {
		t.Fatal("a number is not an object")
	}
}

package checkpoint

import (
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modadd/modadd/pkg/config"
)

func small() config.Config {
	c := config.Default()
	c.P, c.DModel, c.NHeads, c.DHead, c.DMLP = 5, 4, 2, 2, 6
	return c
}

func filled(cfg config.Config, withAdam bool) *Checkpoint {
	ck := &Checkpoint{Config: cfg, Epoch: 7, History: []Metrics{{Epoch: 7, TrainAcc: 0.5, Loss: 1.25}}}
	v := 0.0
	next := func() float64 { v += 0.37; return float64(float32(math.Sin(v))) }
	for _, p := range cfg.Params() {
		t := Tensor{Name: p.Name, Shape: p.Shape, Data: make([]float64, p.Size())}
		for i := range t.Data {
			t.Data[i] = next()
		}
		ck.Params = append(ck.Params, t)
		if withAdam && p.Trainable {
			ck.AdamM = append(ck.AdamM, t.Clone())
			ck.AdamV = append(ck.AdamV, t.Clone())
		}
	}
	return ck
}

func TestRoundTrip(t *testing.T) {
	for _, dtype := range []string{"float32", "float64"} {
		cfg := small()
		cfg.DType = dtype
		ck := filled(cfg, true)
		dir := t.TempDir()
		if err := Save(dir, ck); err != nil {
			t.Fatal(err)
		}
		got, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got.Epoch != 7 || got.Config != cfg || len(got.History) != 1 || got.History[0].Loss != 1.25 || got.WeightsOnly() {
			t.Fatalf("%s: round trip lost data: epoch %d history %v", dtype, got.Epoch, got.History)
		}
		for i, p := range ck.Params {
			for j, v := range p.Data {
				if got.Params[i].Data[j] != v {
					t.Fatalf("%s: %s[%d] = %v, saved %v", dtype, p.Name, j, got.Params[i].Data[j], v)
				}
			}
		}
		if got.Meta.Params != cfg.NumTrainable() || got.Meta.Epoch != 7 {
			t.Fatalf("meta not written: %+v", got.Meta)
		}
		// No temporary files are left behind.
		ents, _ := os.ReadDir(dir)
		if len(ents) != 3 {
			t.Fatalf("directory holds %d entries, want 3", len(ents))
		}
	}
}

func TestWeightsOnly(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, filled(small(), false)); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.WeightsOnly() || !got.Meta.WeightsOnly {
		t.Fatal("weights-only checkpoint came back with optimiser state")
	}
}

// TestCorruption checks that every kind of damage gives an error naming the
// file, never a panic or a silently wrong model.
func TestCorruption(t *testing.T) {
	good := t.TempDir()
	if err := Save(good, filled(small(), true)); err != nil {
		t.Fatal(err)
	}
	state, _ := os.ReadFile(filepath.Join(good, StateFile))
	cfgRaw, _ := os.ReadFile(filepath.Join(good, ConfigFile))
	other := small()
	other.DMLP = 7
	otherCfg := []byte(other.String())
	broken := func(name string, v float64, moment bool) []byte {
		c := filled(small(), true)
		ts := c.Params
		if moment {
			ts = c.AdamV
		}
		for i := range ts {
			if ts[i].Name == name {
				ts[i].Data[1*ts[i].Shape[1]+2] = v
			}
		}
		b, err := c.encode() // Save refuses it
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nanState, infState := broken("W_in", math.NaN(), false), broken("W_U", math.Inf(1), true)
	flip := append([]byte(nil), state...)
	flip[len(flip)/2] ^= 0x40
	cases := []struct {
		name, file string
		data       []byte // nil: delete the file
		want       string
	}{
		{"truncated state", StateFile, state[:len(state)/2], StateFile},
		{"flipped byte", StateFile, flip, StateFile},
		{"empty state", StateFile, []byte{}, StateFile},
		{"not gzip", StateFile, []byte("hello world, not a checkpoint"), StateFile},
		{"missing state", StateFile, nil, StateFile},
		{"garbage config", ConfigFile, []byte("{not json"), ConfigFile},
		{"missing config", ConfigFile, nil, "not a model directory"},
		{"config of another shape", ConfigFile, otherCfg, "d_mlp: 6 vs 7"},
		{"config edited: act", ConfigFile, []byte(strings.Replace(string(cfgRaw), `"act": "relu"`, `"act": "gelu"`, 1)), "act: relu vs gelu"},
		{"config edited: seed", ConfigFile, []byte(strings.Replace(string(cfgRaw), `"seed": 0`, `"seed": 3`, 1)), "seed: 0 vs 3"},
		{"config edited: dtype", ConfigFile, []byte(strings.Replace(string(cfgRaw), `"dtype": "float32"`, `"dtype": "float64"`, 1)), "edited after training"},
		{"NaN weight", StateFile, nanState, "W_in holds NaN at index [1 2]"},
		{"Inf moment", StateFile, infState, "W_U holds +Inf"},
		{"invalid config", ConfigFile, []byte(strings.Replace(string(cfgRaw), `"p": 5`, `"p": 1`, 1)), "p = 1"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		for _, f := range []string{StateFile, ConfigFile, MetaFile} {
			b, _ := os.ReadFile(filepath.Join(good, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		path := filepath.Join(dir, c.file)
		if c.data == nil {
			os.Remove(path)
		} else {
			os.WriteFile(path, c.data, 0o644)
		}
		_, err := Load(dir)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(good, "nope")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing directory: %v", err)
	}
}

// FuzzDecode feeds arbitrary bytes (and gzip-wrapped arbitrary bytes) to the
// state decoder: it must return an error or a checkpoint, never panic or
// allocate without bound.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	Save(dir, filled(small(), true))
	b, _ := os.ReadFile(filepath.Join(dir, StateFile))
	f.Add(b)
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Checkpoint{Config: small()}
		_ = c.decode(strings.NewReader(string(data)))
		var sb strings.Builder
		zw := gzip.NewWriter(&sb)
		zw.Write(data)
		zw.Close()
		c = &Checkpoint{Config: small()}
		_ = c.decode(strings.NewReader(sb.String()))
	})
}

func TestMatrix(t *testing.T) {
	x := Tensor{Name: "x", Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}}
	m := x.Matrix()
	if len(m) != 2 || m[1][2] != 6 {
		t.Fatalf("Matrix = %v", m)
	}
}

func TestStackUnstack(t *testing.T) {
	a := Tensor{Name: "W", Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}}
	b := Tensor{Name: "W", Shape: []int{2, 3}, Data: []float64{7, 8, 9, 10, 11, 12}}
	st, err := Stack([]Tensor{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st.Shape) != "[2 2 3]" || st.Data[6] != 7 || st.Data[11] != 12 {
		t.Fatalf("stack: %v %v", st.Shape, st.Data)
	}
	back := st.Unstack()
	if len(back) != 2 || fmt.Sprint(back[0]) != fmt.Sprint(a) || fmt.Sprint(back[1]) != fmt.Sprint(b) {
		t.Fatalf("unstack: %v", back)
	}
	back[0].Data[0] = 99 // copies, not views
	if st.Data[0] != 1 {
		t.Fatal("Unstack shares storage")
	}
	if _, err := Stack([]Tensor{a, {Name: "W", Shape: []int{3, 2}, Data: a.Data}}); err == nil {
		t.Fatal("stacking different shapes: no error")
	}
	if _, err := Stack(nil); err == nil {
		t.Fatal("stacking nothing: no error")
	}
}

// TestSaveRefusesNonFinite: a diverged model is never written as if it were
// a model.
func TestSaveRefusesNonFinite(t *testing.T) {
	c := filled(small(), true)
	c.Params[0].Data[3] = math.NaN()
	err := Save(t.TempDir(), c)
	if err == nil || !strings.Contains(err.Error(), c.Params[0].Name+" holds NaN") {
		t.Fatalf("Save of a NaN weight: %v", err)
	}
}

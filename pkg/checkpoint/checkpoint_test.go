package checkpoint

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
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
	for _, dtype := range []config.DType{config.Float32, config.Float64} {
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
		{"missing config", ConfigFile, nil, "training into this directory is refused"},
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

// payload is the uncompressed content of a state.gz: magic, header length,
// header (h, as JSON) and data.
func payload(h any, data []byte) []byte {
	hj, _ := json.Marshal(h)
	var b bytes.Buffer
	b.WriteString(magic)
	binary.Write(&b, binary.LittleEndian, uint32(len(hj)))
	b.Write(hj)
	b.Write(data)
	return b.Bytes()
}

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// allocated returns the bytes f allocates on the heap (all goroutines).
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// hostileStates are state.gz payloads (uncompressed) whose headers declare
// what small() does not have, with the error each must give.
func hostileStates() []struct {
	name, want string
	data       []byte
} {
	item := func(group, name string, shape ...int) headerItem {
		return headerItem{Group: group, Name: name, Shape: shape}
	}
	bigCfg := small()
	bigCfg.DModel = 1 << 20
	tiny := make([]byte, 64)
	return []struct {
		name, want string
		data       []byte
	}{
		{"W_E of 4 GiB", "W_E has shape [32768 32768], expected [5 4] by the config",
			payload(header{DType: "float32", Tensors: []headerItem{item("param", "W_E", 32768, 32768)}}, tiny)},
		{"W_E of 4 GiB, config in the header", "W_E has shape [32768 32768], expected [5 4]",
			payload(header{DType: "float32", Config: ptr(small()), Tensors: []headerItem{item("param", "W_E", 32768, 32768)}}, tiny)},
		{"shape overflowing int", "W_in has shape [4294967296 4294967296 0], expected [4 6]",
			payload(header{DType: "float64", Tensors: []headerItem{item("param", "W_in", 1<<32, 1<<32, 0)}}, tiny)},
		{"negative shape", "W_in has shape [-4 6], expected [4 6]",
			payload(header{DType: "float32", Tensors: []headerItem{item("param", "W_in", -4, 6)}}, tiny)},
		{"unknown tensor", "tensor W_X is not one the config's model has",
			payload(header{DType: "float32", Tensors: []headerItem{item("param", "W_X", 2)}}, tiny)},
		{"moment of a frozen bias", "tensor b_Q (AdamW moment adam_m) is not one",
			payload(header{DType: "float32", Tensors: []headerItem{item("adam_m", "b_Q", 2, 2)}}, tiny)},
		{"tensor twice", "tensor b_out appears twice",
			payload(header{DType: "float32", Tensors: []headerItem{item("param", "b_out", 4), item("param", "b_out", 4)}}, tiny)},
		{"unknown group", "unknown tensor group",
			payload(header{DType: "float32", Tensors: []headerItem{item("adam_w", "W_E", 5, 4)}}, tiny)},
		{"header length past the data", "header of 60000000 bytes ends after",
			append([]byte(magic), 0x00, 0x87, 0x93, 0x03, '{')},
		// The header's config differs from the one Load read: nothing is
		// allocated, and Load refuses the pair (checkBound).
		{"another config of 2 GiB", "",
			payload(header{DType: "float32", Config: &bigCfg, Tensors: []headerItem{item("param", "W_E", 5, 1<<20)}}, tiny)},
	}
}

func ptr[T any](v T) *T { return &v }

// TestDecodeHostile: declared shapes are checked against the config before
// anything is allocated; no header makes decode allocate more than a few MiB.
func TestDecodeHostile(t *testing.T) {
	for _, c := range hostileStates() {
		ck := &Checkpoint{Config: small()}
		var err error
		alloc := allocated(func() { err = ck.decode(bytes.NewReader(gzipped(c.data))) })
		switch {
		case c.want == "" && (err != nil || len(ck.Params) != 0):
			t.Errorf("%s: err = %v, %d tensors", c.name, err, len(ck.Params))
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if alloc > 8<<20 {
			t.Errorf("%s: decode allocated %d MiB", c.name, alloc>>20)
		}
	}
	// A config.json describing a huge model is refused before its tensors
	// are allocated, even with a state that matches it.
	huge := small()
	huge.DModel = 1 << 22
	state := payload(header{DType: "float32", Tensors: []headerItem{{Group: "param", Name: "W_E", Shape: []int{5, 1 << 22}}}}, nil)
	ck := &Checkpoint{Config: huge}
	var err error
	alloc := allocated(func() { err = ck.decode(bytes.NewReader(gzipped(state))) })
	if err == nil || !strings.Contains(err.Error(), "more than 33554432 parameters") || alloc > 8<<20 {
		t.Errorf("huge config: err = %v after %d MiB", err, alloc>>20)
	}
	// Through Load: the error names the file.
	dir := t.TempDir()
	if err := Save(dir, filled(small(), false)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, StateFile), gzipped(hostileStates()[0].data), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), StateFile+" is corrupt") || !strings.Contains(err.Error(), "W_E has shape [32768 32768]") {
		t.Errorf("Load: %v", err)
	}
	os.WriteFile(filepath.Join(dir, StateFile), gzipped(hostileStates()[len(hostileStates())-1].data), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "d_model: 4 vs 1048576") && !strings.Contains(err.Error(), "d_model: 1048576 vs 4") {
		t.Errorf("Load of another config: %v", err)
	}
}

// FuzzDecode feeds arbitrary bytes (and gzip-wrapped arbitrary bytes) to the
// state decoder: it must return an error or a checkpoint, never panic, nor
// allocate more than 64 MiB for an input whatever its header declares.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	Save(dir, filled(small(), true))
	b, _ := os.ReadFile(filepath.Join(dir, StateFile))
	f.Add(b)
	f.Add([]byte(magic))
	for _, c := range hostileStates() {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wrapped := gzipped(data)
		alloc := allocated(func() {
			c := &Checkpoint{Config: small()}
			_ = c.decode(bytes.NewReader(data))
			c = &Checkpoint{Config: small()}
			_ = c.decode(bytes.NewReader(wrapped))
		})
		if alloc > 64<<20 {
			t.Fatalf("decoding %d bytes allocated %d MiB", len(data), alloc>>20)
		}
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

// TestPeek reads what Load reads of the config and the epoch, and fails
// on a damaged state header.
func TestPeek(t *testing.T) {
	dir := t.TempDir()
	c := filled(small(), true)
	if err := Save(dir, c); err != nil {
		t.Fatal(err)
	}
	cfg, epoch, err := Peek(dir)
	if err != nil || cfg != c.Config || epoch != c.Epoch {
		t.Fatalf("Peek: %v %d %v", cfg, epoch, err)
	}
	os.WriteFile(filepath.Join(dir, StateFile), []byte("not gzip"), 0o644)
	if _, _, err := Peek(dir); err == nil {
		t.Fatal("a damaged state file was peeked")
	}
}

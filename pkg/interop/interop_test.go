package interop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/modadd/modadd/pkg/checkpoint"
	"github.com/modadd/modadd/pkg/config"
	"github.com/modadd/modadd/pkg/model"
)

func randomModel(t *testing.T, preset, set string) *checkpoint.Checkpoint {
	t.Helper()
	cfg, _ := config.Preset(preset)
	if err := cfg.Set("p=7;d_model=8;n_heads=2;d_head=4;d_mlp=12;" + set); err != nil {
		t.Fatal(err)
	}
	w := model.Init(cfg)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range w {
		for j := range w[i].Data {
			w[i].Data[j] = model.ToPrecision(cfg, 0.6*rng.NormFloat64())
		}
	}
	return &checkpoint.Checkpoint{Config: cfg, Params: w}
}

// TestRoundTrip exports models to .npz and .safetensors, imports them and
// requires identical weights and identical logits on all inputs.
func TestRoundTrip(t *testing.T) {
	be, err := model.Backend()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ preset, set string }{{"pizza", ""}, {"pizza", "dtype=float64"}, {"zhong", ""}, {"clock", "act=gelu"}} {
		ck := randomModel(t, c.preset, c.set)
		want, err := model.AllLogits(be, ck.Config, ck.Params, "float64")
		if err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{".npz", ".safetensors"} {
			path := filepath.Join(t.TempDir(), "model"+ext)
			if err := Export(ck, path); err != nil {
				t.Fatal(err)
			}
			got, ignored, err := Import(path, c.preset, c.set, ck.Config.P)
			if err != nil {
				t.Fatal(err)
			}
			if len(ignored) != 0 {
				t.Fatalf("%s: ignored %v", ext, ignored)
			}
			if err := got.Config.SameModel(ck.Config); err != nil {
				t.Fatalf("%s %s: %v", c.preset, ext, err)
			}
			logits, err := model.AllLogits(be, got.Config, got.Params, "float64")
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if logits[i] != want[i] {
					t.Fatalf("%s %s %s: logit %d = %v after the round trip, %v before", c.preset, c.set, ext, i, logits[i], want[i])
				}
			}
			// The imported model is an ordinary model directory.
			dir := t.TempDir()
			if err := checkpoint.Save(dir, got); err != nil {
				t.Fatal(err)
			}
			if _, err := checkpoint.Load(dir); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestNumPyFile imports a file written by np.savez (testdata/make_fixture.py)
// with the short names, float32 and float64 arrays and no W_Q/W_K, and
// checks every value against the formula that made it.
func TestNumPyFile(t *testing.T) {
	ck, _, err := Import(filepath.Join("testdata", "short-names.npz"), "pizza", "", 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ck.Config
	if cfg.P != 5 || cfg.DModel != 4 || cfg.NHeads != 2 || cfg.DHead != 2 || cfg.DMLP != 6 || cfg.DType != "float64" {
		t.Fatalf("inferred config %+v", cfg)
	}
	order := []string{"W_E", "W_pos", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out", "W_U"}
	for k, name := range order {
		tn := ck.Params.Must(name)
		for i, v := range tn.Data {
			want := math.Sin(0.37*float64(i) + float64(k))
			if !strings.HasPrefix(name, "b_") {
				want = float64(float32(want))
			}
			if math.Abs(v-want) > 1e-15 {
				t.Fatalf("%s[%d] = %v, want %v", name, i, v, want)
			}
		}
	}
	for _, name := range []string{"W_Q", "W_K", "b_Q", "b_U"} {
		for _, v := range ck.Params.Must(name).Data {
			if v != 0 {
				t.Fatalf("%s is not zero", name)
			}
		}
	}
	be, _ := model.Backend()
	if _, err := model.AllLogits(be, cfg, ck.Params, cfg.DType); err != nil {
		t.Fatal(err)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	ck := randomModel(t, "pizza", "")
	good := filepath.Join(dir, "good.safetensors")
	if err := Export(ck, good); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	drop := func(name string) string { // a copy without one array
		c := randomModel(t, "pizza", "")
		var names []string
		var arrays []Array
		for _, tn := range c.Params {
			if tn.Name != name {
				names = append(names, LongName(tn.Name))
				arrays = append(arrays, Array{Shape: tn.Shape, Data: tn.Data, DType: "float32"})
			}
		}
		p := filepath.Join(dir, "no-"+name+".npz")
		WriteFile(p, names, arrays)
		return p
	}
	wrongShape := func() string {
		c := randomModel(t, "pizza", "")
		var names []string
		var arrays []Array
		for _, tn := range c.Params {
			a := Array{Shape: tn.Shape, Data: tn.Data, DType: "float32"}
			if tn.Name == "W_out" {
				a.Shape = []int{tn.Shape[1], tn.Shape[0]}
			}
			names, arrays = append(names, LongName(tn.Name)), append(arrays, a)
		}
		p := filepath.Join(dir, "wrong.npz")
		WriteFile(p, names, arrays)
		return p
	}
	f16 := bytes.Replace(raw, []byte(`"F32"`), []byte(`"F16"`), 1)
	cases := []struct {
		name, path, want string
	}{
		{"truncated", write("trunc.safetensors", raw[:len(raw)-10]), "truncated"},
		{"not npz", write("bad.npz", []byte("not a zip")), "not a readable .npz"},
		{"unknown ext", write("x.pt", raw), "unknown format"},
		{"missing W_in", drop("W_in"), "missing array W_in"},
		{"missing W_U", drop("W_U"), "missing array W_U"},
		{"wrong shape", wrongShape(), "W_out has shape [8 12], expected [12 8]"},
		{"f16", write("f16.safetensors", f16), "cannot be read"},
	}
	for _, c := range cases {
		_, _, err := Import(c.path, "pizza", "", 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, _, err := Import(drop("W_in"), "pizza", "", 0); !errors.Is(err, errMissing) {
		t.Errorf("missing array not wrapped: %v", err)
	}
	if _, _, err := Import(good, "pizza", "", 11); err == nil || !strings.Contains(err.Error(), "-p is 11") {
		t.Errorf("wrong -p: %v", err)
	}
	// A clock model needs its queries and keys.
	if _, _, err := Import(drop("W_Q"), "clock", "", 0); err == nil || !strings.Contains(err.Error(), "W_Q") {
		t.Errorf("clock without W_Q: %v", err)
	}
}

// FuzzReaders feeds arbitrary bytes to the .npz and .safetensors readers:
// errors are fine; panics are not, nor allocating more than 64 MiB for an
// input, whatever its headers declare. The seeds hold the damaged and
// hostile headers of TestHostileFiles, small.
func FuzzReaders(f *testing.F) {
	dir := f.TempDir()
	ck := &checkpoint.Checkpoint{Config: config.Default()}
	ck.Config.Set("p=3;d_model=2;n_heads=1;d_head=2;d_mlp=2")
	ck.Params = model.Init(ck.Config)
	for _, ext := range []string{".safetensors", ".npz"} {
		Export(ck, filepath.Join(dir, "m"+ext))
		b, _ := os.ReadFile(filepath.Join(dir, "m"+ext))
		f.Add(b)
	}
	for _, h := range []string{
		"{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }", // declares 2 GiB
		"{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 2), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)", // no closing brace
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
	} {
		npy := npyBytes(h, make([]byte, 8))
		f.Add(zipOf(f, []zipEntry{{name: "W_E.npy", data: npy}}))
		cut := append([]byte(nil), npy...)
		binary.LittleEndian.PutUint16(cut[8:], 20) // a header length that cuts the header
		f.Add(zipOf(f, []zipEntry{{name: "W_E.npy", data: cut}}))
	}
	f.Add(zipOf(f, []zipEntry{{name: "W_E.npy", data: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", make([]byte, 8))},
		{name: "W_E.npy", data: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", make([]byte, 4))}}))
	for _, h := range []string{
		`{"W_E": {"dtype": "F64", "shape": [268435456, 8], "data_offsets": [9223372019674906623, 9223372036854775807]}}`,
		`{"W_E": {"dtype": "F32", "shape": [2], "data_offsets": [9223372036854775799, 9223372036854775807]}}`,
		`{"W_E": {"dtype": "F32", "shape": [-2, -1], "data_offsets": [0, 8]}}`,
		`{"W_E": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "W_E": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}`,
	} {
		f.Add(safetensorsOf(h, make([]byte, 8)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		if z, err := openNPZ(bytes.NewReader(data), int64(len(data))); err == nil {
			_, _ = readAll(z)
		}
		if s, err := openSafetensors(bytes.NewReader(data), int64(len(data))); err == nil {
			_, _ = readAll(s)
		}
		runtime.ReadMemStats(&b)
		if d := b.TotalAlloc - a.TotalAlloc; d > 64<<20 {
			t.Fatalf("reading %d bytes allocated %d MiB", len(data), d>>20)
		}
	})
}

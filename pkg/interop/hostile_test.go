package interop

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes f allocates on the heap (all goroutines).
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// npyBytes is a version 1.0 .npy stream with the given header dict and
// value bytes.
func npyBytes(header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)+1))
	b.WriteString(header + "\n")
	b.Write(data)
	return b.Bytes()
}

// zipEntry is one member of a test .npz: stored as is, or raw (already
// deflated, with sizes and CRC-32 given).
type zipEntry struct {
	name string
	data []byte
	raw  *zip.FileHeader
}

func zipOf(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var err error
		if e.raw != nil {
			h := *e.raw
			h.Name = e.name
			w, err2 := zw.CreateRaw(&h)
			if err2 == nil {
				_, err = w.Write(e.data)
			} else {
				err = err2
			}
		} else {
			w, err2 := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
			if err2 == nil {
				_, err = w.Write(e.data)
			} else {
				err = err2
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// modelEntries are the .npy members of a valid small pizza model (p=7,
// d_model=8, 2 heads of 4, d_mlp=12), short names; edit may change an array
// (or return false to drop it).
func modelEntries(t *testing.T, long bool, edit func(name string, a *Array) bool) []zipEntry {
	t.Helper()
	ck := randomModel(t, "pizza", "")
	var out []zipEntry
	for _, tn := range ck.Params {
		a := Array{Shape: append([]int(nil), tn.Shape...), Data: append([]float64(nil), tn.Data...), DType: "float32"}
		if edit != nil && !edit(tn.Name, &a) {
			continue
		}
		var b bytes.Buffer
		if err := writeNPY(&b, a); err != nil {
			t.Fatal(err)
		}
		name := tn.Name
		if long {
			name = LongName(name)
		}
		out = append(out, zipEntry{name: name + ".npy", data: b.Bytes()})
	}
	return out
}

// bomb is a .npy member declaring shape of float64 whose values are zeros,
// honestly deflated: the declared sizes are right, and a 2 GiB array takes
// 2 MB. Only the CRC-32 is left out (0) above 16 MiB, since no reader should
// get that far.
func bomb(t testing.TB, name string, shape ...int) zipEntry {
	t.Helper()
	n := int64(8)
	parts := make([]string, len(shape))
	for i, d := range shape {
		n *= int64(d)
		parts[i] = fmt.Sprint(d)
	}
	const mib = 1 << 20
	if n%mib != 0 {
		t.Fatalf("bomb: %d bytes is not a whole number of MiB", n)
	}
	hdr := npyBytes(fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%s,), }", strings.Join(parts, ", ")), nil)
	// Deflating a MiB of zeros after a window of zeros always gives the same
	// bytes: deflate three, check the last two agree, repeat the last.
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(hdr)
	zero := make([]byte, mib)
	var segs [][]byte
	for range 3 {
		start := comp.Len()
		fw.Write(zero)
		fw.Flush()
		segs = append(segs, append([]byte(nil), comp.Bytes()[start:]...))
	}
	if !bytes.Equal(segs[1], segs[2]) {
		t.Fatal("bomb: deflated MiBs of zeros differ")
	}
	start := comp.Len()
	fw.Close()
	final := append([]byte(nil), comp.Bytes()[start:]...)
	out := append([]byte(nil), comp.Bytes()[:start-len(segs[1])-len(segs[2])]...) // header + 1 MiB
	for range n/mib - 1 {
		out = append(out, segs[2]...)
	}
	out = append(out, final...)
	var crc uint32
	if n <= 16*mib {
		crc = crc32.ChecksumIEEE(hdr)
		for range n / mib {
			crc = crc32.Update(crc, crc32.IEEETable, zero)
		}
	}
	return zipEntry{name: name + ".npy", data: out, raw: &zip.FileHeader{
		Method: zip.Deflate, CRC32: crc, CompressedSize64: uint64(len(out)), UncompressedSize64: uint64(len(hdr)) + uint64(n)}}
}

// TestBomb checks the bomb builder: a small one reads back as zeros.
func TestBomb(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zeros.npz")
	os.WriteFile(path, zipOf(t, []zipEntry{bomb(t, "z", 1<<18, 2)}), 0o644)
	arrays, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	z := arrays["z"]
	if fmt.Sprint(z.Shape) != "[262144 2]" || len(z.Data) != 1<<19 || z.DType != "float64" {
		t.Fatalf("bomb read back as %v %s, %d values", z.Shape, z.DType, len(z.Data))
	}
	for i, v := range z.Data {
		if v != 0 {
			t.Fatalf("value %d = %v", i, v)
		}
	}
}

// TestNPYByteOrders reads big- and little-endian float32 and float64 arrays.
func TestNPYByteOrders(t *testing.T) {
	be := make([]byte, 16)
	binary.BigEndian.PutUint64(be, math.Float64bits(1.5))
	binary.BigEndian.PutUint64(be[8:], math.Float64bits(-2))
	le := make([]byte, 4)
	binary.LittleEndian.PutUint32(le, math.Float32bits(0.25))
	file := zipOf(t, []zipEntry{
		{name: "a.npy", data: npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be)},
		{name: "b.npy", data: npyBytes(`{"shape": (), "descr": "<f4", "fortran_order": False}`, le)},
	})
	z, err := openNPZ(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	arrays, err := readAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := arrays["a"], arrays["b"]; fmt.Sprintf("%v %v %v %v %v", a.Data, a.DType, b.Data, b.Shape, b.DType) != "[1.5 -2] float64 [0.25] [] float32" {
		t.Fatalf("read %v %v", a, b)
	}
}

// safetensorsOf writes a .safetensors file from a raw header object and data.
func safetensorsOf(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// TestHostileFiles: damaged or hostile files give an error that names the
// problem, without a panic and without allocating more than a few MiB,
// whatever they declare.
func TestHostileFiles(t *testing.T) {
	set := func(name string, i int, v float64) func(string, *Array) bool {
		return func(n string, a *Array) bool {
			if n == name {
				a.Data[i] = v
			}
			return true
		}
	}
	replace := func(entries []zipEntry, name string, e zipEntry) []zipEntry {
		for i := range entries {
			if entries[i].name == name+".npy" {
				e.name = entries[i].name
				entries[i] = e
				return entries
			}
		}
		t.Fatalf("no entry %s", name)
		return nil
	}
	headerLen := func(entries []zipEntry, name string, n uint16) []zipEntry {
		for i := range entries {
			if entries[i].name == name+".npy" {
				d := append([]byte(nil), entries[i].data...)
				binary.LittleEndian.PutUint16(d[8:], n)
				entries[i].data = d
			}
		}
		return entries
	}
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	twoBombs := append(modelEntries(t, true, nil), bomb(t, "hooked.big_a", 16384, 16384), bomb(t, "hooked.big_b", 16384, 16384))
	const big = 1<<63 - 1
	cases := []struct {
		name string
		ext  string
		file []byte
		want string // "" : Import succeeds
	}{
		{"npz: valid", ".npz", zipOf(t, modelEntries(t, false, nil)), ""},
		{"npz: header length cuts the header", ".npz", zipOf(t, headerLen(modelEntries(t, false, nil), "W_in", 20)), "W_in: .npy header"},
		{"npz: header length past the data", ".npz", zipOf(t, headerLen(modelEntries(t, false, nil), "W_in", 0xffff)), "W_in: .npy header of 65535 bytes is truncated"},
		{"npz: header length 0", ".npz", zipOf(t, headerLen(modelEntries(t, false, nil), "W_E", 0)), "W_E: .npy header"},
		{"npz: not a dict", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_E", zipEntry{data: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (7, 8)", f32(56))})), "damaged"},
		{"npz: negative shape", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_in", zipEntry{data: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-8, 12), }", f32(96))})), "shape [-8 12] has a negative dimension"},
		{"npz: shape past int64", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_in", zipEntry{data: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 12), }", f32(96))})), "is not an integer"},
		{"npz: huge shape, few bytes", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_in", zipEntry{data: npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }", f32(8))})), "more than 33554432 values"},
		{"npz: shape overflowing int", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_in", zipEntry{data: npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 0), }", nil)})), "has shape [4294967296 4294967296 0], expected rank 2"},
		{"npz: entry shorter than its shape", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_in", zipEntry{data: npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (8, 12), }", f32(90))})), "but its zip entry holds"},
		{"npz: honest 2 GiB W_in", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_in", bomb(t, "", 16384, 16384))), "more than 33554432 values"},
		{"npz: honest 128 MiB W_out of the wrong shape", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_out", bomb(t, "", 4096, 4096))), "W_out has shape [4096 4096], expected [12 8]"},
		{"npz: two unused 2 GiB arrays", ".npz", zipOf(t, twoBombs), ""},
		{"npz: big-endian", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "b_out", zipEntry{data: npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (8,), }", make([]byte, 64))})), ""},
		{"npz: int64 array", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_E", zipEntry{data: npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (7, 8), }", make([]byte, 448))})), "dtype <i8, which cannot be read"},
		{"npz: Fortran order", ".npz", zipOf(t, replace(modelEntries(t, false, nil), "W_E", zipEntry{data: npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (7, 8), }", f32(56))})), "Fortran-ordered"},
		{"npz: long and short name", ".npz", zipOf(t, append(modelEntries(t, true, nil), modelEntries(t, false, func(n string, _ *Array) bool { return n == "W_E" })...)), "holds both embed.W_E and W_E"},
		{"npz: one name twice", ".npz", zipOf(t, append(modelEntries(t, false, nil), modelEntries(t, false, func(n string, _ *Array) bool { return n == "W_U" })...)), "two arrays named W_U"},
		{"npz: NaN", ".npz", zipOf(t, modelEntries(t, false, set("W_in", 3*12+5, math.NaN()))), "array W_in holds NaN at [3 5] (of shape [8 12]): the model is broken"},
		{"npz: -Inf", ".npz", zipOf(t, modelEntries(t, true, set("W_E", 8+1, math.Inf(-1)))), "array embed.W_E holds -Inf at [1 1]"},
		{"npz: NaN in an unused array", ".npz", zipOf(t, append(modelEntries(t, false, nil), zipEntry{name: "extra.npy", data: npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f})})), ""},
		// Before: base+end overflowed into "fits" and 16 GiB were allocated.
		{"safetensors: 16 GiB at offsets near 2^63", ".safetensors", safetensorsOf(fmt.Sprintf(`{"W_E": {"dtype": "F64", "shape": [2147483647], "data_offsets": [%d, %d]}}`, big-8*2147483647, big), nil), "more than 33554432 values"},
		{"safetensors: 256 MiB at offsets near 2^63", ".safetensors", safetensorsOf(fmt.Sprintf(`{"W_E": {"dtype": "F64", "shape": [4194304, 8], "data_offsets": [%d, %d]}}`, big-1<<28, big), nil), "lie outside the 0 bytes"},
		{"safetensors: offsets near 2^63, small shape", ".safetensors", safetensorsOf(fmt.Sprintf(`{"W_E": {"dtype": "F32", "shape": [7, 8], "data_offsets": [%d, %d]}}`, big-224, big), f32(56)), "lie outside the 224 bytes"},
		{"safetensors: negative offset", ".safetensors", safetensorsOf(`{"W_E": {"dtype": "F32", "shape": [7, 8], "data_offsets": [-224, 0]}}`, f32(56)), "lie outside"},
		{"safetensors: negative shape", ".safetensors", safetensorsOf(`{"W_E": {"dtype": "F32", "shape": [-7, -8], "data_offsets": [0, 224]}}`, f32(56)), "shape [-7 -8] has a negative dimension"},
		{"safetensors: one name twice", ".safetensors", safetensorsOf(`{"W_E": {"dtype": "F32", "shape": [7, 8], "data_offsets": [0, 224]}, "W_E": {"dtype": "F32", "shape": [7, 8], "data_offsets": [0, 224]}}`, f32(56)), "two arrays named W_E"},
		{"safetensors: header length past the file", ".safetensors", append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, "{}"...), "does not fit"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "m"+c.ext)
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		var ignored []string
		alloc := allocated(func() { _, ignored, err = Import(path, "pizza", "", 0) })
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		case err != nil && !strings.HasPrefix(err.Error(), "interop: "):
			t.Errorf("%s: error %q does not start with the package", c.name, err)
		}
		if alloc > 8<<20 {
			t.Errorf("%s: Import allocated %d MiB", c.name, alloc>>20)
		}
		// Reading everything is bounded too: by what it returns.
		var arrays map[string]Array
		alloc = allocated(func() { arrays, _ = ReadFile(path) })
		values := 0
		for _, a := range arrays {
			values += len(a.Data)
		}
		if alloc > 8<<20+uint64(8*values) {
			t.Errorf("%s: ReadFile allocated %d MiB and returned %d values", c.name, alloc>>20, values)
		}
		if c.name == "npz: two unused 2 GiB arrays" && fmt.Sprint(ignored) != "[hooked.big_a hooked.big_b]" {
			t.Errorf("%s: ignored %v", c.name, ignored)
		}
	}
	if len(twoBombs[len(twoBombs)-1].data) > 3<<20 {
		t.Errorf("a bomb takes %d bytes", len(twoBombs[len(twoBombs)-1].data))
	}
}

// TestImportSet: -set may repeat what the file's shapes say, never
// contradict them; it may ask for float64 from float32 arrays (exact), not
// for float32 from float64 ones.
func TestImportSet(t *testing.T) {
	dir := t.TempDir()
	f32 := filepath.Join(dir, "m32.npz")
	os.WriteFile(f32, zipOf(t, modelEntries(t, false, nil)), 0o644)
	f64 := filepath.Join(dir, "m64.npz")
	os.WriteFile(f64, zipOf(t, modelEntries(t, false, func(_ string, a *Array) bool { a.DType = "float64"; return true })), 0o644)
	cases := []struct {
		path, set, want string
		dtype           string
	}{
		{f32, "act=gelu;d_mlp=12;p=7;d_model=8;n_heads=2;d_head=4", "", "float32"},
		{f32, "d_mlp=32", "-set d_mlp=32 conflicts with the file: W_in has shape [8 12], so d_mlp = 12; the file's shapes decide", ""},
		{f32, "act=gelu, p=11", "-set p=11 conflicts with the file: W_E has shape [7 8], so p = 7", ""},
		{f32, "n_heads=4", "-set n_heads=4 conflicts", ""},
		{f32, "d_head=2", "-set d_head=2 conflicts", ""},
		{f32, "d_model=16", "-set d_model=16 conflicts", ""},
		{f32, "dtype=float64", "", "float64"},
		{f64, "", "", "float64"},
		{f64, "dtype=float64", "", "float64"},
		{f64, "dtype=float32", "-set dtype=float32 would round the file's float64 arrays W_E, W_pos", ""},
	}
	for _, c := range cases {
		ck, _, err := Import(c.path, "pizza", c.set, 0)
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("-set %s: err = %v, want %q", c.set, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("-set %s: %v", c.set, err)
			continue
		}
		if string(ck.Config.DType) != c.dtype || ck.Config.DMLP != 12 || ck.Config.P != 7 {
			t.Errorf("-set %s: config %+v", c.set, ck.Config)
		}
		if strings.Contains(c.set, "gelu") && ck.Config.Act != "gelu" {
			t.Errorf("-set %s: act = %s", c.set, ck.Config.Act)
		}
	}
}

// FuzzNPYHeader: the .npy header parser never panics, and what it accepts
// is a float array of at most MaxValues values.
func FuzzNPYHeader(f *testing.F) {
	for _, s := range []string{
		"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
		"{'descr': '>f8', 'fortran_order': False, 'shape': (), }",
		"{\"shape\": (5,), \"fortran_order\": False, \"descr\": \"=f4\"}",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 16384, 16384), }",
		"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ai, err := parseNPYHeader(s)
		if err != nil {
			return
		}
		n, err := count(ai.Shape)
		if err != nil || n != ai.n || n > MaxValues || (ai.width != 4 && ai.width != 8) {
			t.Fatalf("accepted %q as %+v (count %d, %v)", s, ai, n, err)
		}
	})
}

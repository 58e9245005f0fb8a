package interop

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/modadd/modadd/pkg/checkpoint"
)

// weightFile is an opened .npz or .safetensors file. Its arrays' headers and
// values are decoded only on request, so an array a model does not use is
// never decoded, and every declared shape is checked (count) before the
// values are allocated.
type weightFile interface {
	// names lists the arrays, in the order of the file.
	names() []string
	// info decodes the header of one array.
	info(name string) (arrayInfo, error)
	// values decodes the values of one array.
	values(name string) ([]float64, error)
}

// openWeights opens a .npz or .safetensors file by its extension. Errors
// start with "interop: path:"; so must the callers' for the errors of the
// weightFile.
func openWeights(path string) (weightFile, io.Closer, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".npz" && ext != ".safetensors" {
		return nil, nil, fmt.Errorf("interop: %s: unknown format: use a .npz (NumPy) or .safetensors file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("interop: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("interop: %w", err)
	}
	var wf weightFile
	if ext == ".npz" {
		wf, err = openNPZ(f, st.Size())
	} else {
		wf, err = openSafetensors(f, st.Size())
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("interop: %s: %w", path, err)
	}
	return wf, f, nil
}

// ReadFile reads every float array of a .npz or .safetensors file, by name.
// Together they may hold at most MaxValues values.
func ReadFile(path string) (map[string]Array, error) {
	wf, c, err := openWeights(path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := readAll(wf)
	if err != nil {
		return nil, fmt.Errorf("interop: %s: %w", path, err)
	}
	return out, nil
}

func readAll(wf weightFile) (map[string]Array, error) {
	out := map[string]Array{}
	total := 0
	for _, name := range wf.names() {
		ai, err := wf.info(name)
		if err != nil {
			return nil, err
		}
		if total += ai.n; total > MaxValues {
			return nil, fmt.Errorf("the arrays up to %s hold more than %d values together, far more than any model of this project: the file is damaged or holds something else", name, MaxValues)
		}
		data, err := wf.values(name)
		if err != nil {
			return nil, err
		}
		out[name] = Array{Shape: ai.Shape, Data: data, DType: ai.DType}
	}
	return out, nil
}

// npzFile reads a NumPy .npz archive: a zip file of .npy arrays, float32
// or float64, in C order.
type npzFile struct {
	size  int64
	files map[string]*zip.File
	order []string
	infos map[string]npzInfo
}

type npzInfo struct {
	arrayInfo
	offset int64 // bytes of the .npy header, before the values
}

func openNPZ(r io.ReaderAt, size int64) (*npzFile, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a readable .npz (zip) file: %w", err)
	}
	z := &npzFile{size: size, files: map[string]*zip.File{}, infos: map[string]npzInfo{}}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory
		}
		name := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := z.files[name]; dup {
			return nil, fmt.Errorf("holds two arrays named %s, and which one is meant cannot be told: the file is damaged or was assembled by hand; write it again with np.savez", name)
		}
		z.files[name] = f
		z.order = append(z.order, name)
	}
	return z, nil
}

func (z *npzFile) names() []string { return z.order }

func (z *npzFile) info(name string) (arrayInfo, error) {
	in, err := z.npzInfo(name)
	return in.arrayInfo, err
}

func (z *npzFile) npzInfo(name string) (npzInfo, error) {
	if in, ok := z.infos[name]; ok {
		return in, nil
	}
	f, ok := z.files[name]
	if !ok {
		return npzInfo{}, fmt.Errorf("no array %s", name)
	}
	// The zip directory states each entry's sizes: the compressed data must
	// lie in the file, and deflate cannot expand it more than 1032-fold.
	if f.CompressedSize64 > uint64(z.size) || f.UncompressedSize64 > 1100*f.CompressedSize64+1<<16 {
		return npzInfo{}, fmt.Errorf("array %s: its zip entry claims %d bytes from %d compressed bytes in a %d-byte file: the file is damaged or truncated", name, f.UncompressedSize64, f.CompressedSize64, z.size)
	}
	rc, err := f.Open()
	if err != nil {
		return npzInfo{}, fmt.Errorf("array %s cannot be opened in the zip file (damaged?): %w", name, err)
	}
	defer rc.Close()
	ai, off, err := readNPYHeader(rc)
	if err != nil {
		return npzInfo{}, fmt.Errorf("array %s: %w", name, err)
	}
	// The zip reader checks the entry's size while reading it: it must be the
	// header and exactly the declared values.
	if want := uint64(off) + uint64(ai.n)*uint64(ai.width); f.UncompressedSize64 != want {
		return npzInfo{}, fmt.Errorf("array %s declares shape %v of %s (%d bytes with its header), but its zip entry holds %d bytes: the file is damaged or truncated; write it again", name, ai.Shape, ai.DType, want, f.UncompressedSize64)
	}
	in := npzInfo{arrayInfo: ai, offset: off}
	z.infos[name] = in
	return in, nil
}

func (z *npzFile) values(name string) ([]float64, error) {
	in, err := z.npzInfo(name)
	if err != nil {
		return nil, err
	}
	rc, err := z.files[name].Open()
	if err != nil {
		return nil, fmt.Errorf("array %s cannot be opened in the zip file (damaged?): %w", name, err)
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, in.offset); err != nil {
		return nil, fmt.Errorf("array %s: %w (truncated?)", name, err)
	}
	data := make([]float64, in.n)
	if err := readValues(rc, data, in.width, in.order); err != nil {
		return nil, fmt.Errorf("array %s: %w (truncated or damaged?)", name, err)
	}
	// Reading to the end makes the zip reader check the CRC-32.
	if rest, err := io.Copy(io.Discard, rc); err != nil || rest != 0 {
		return nil, fmt.Errorf("array %s fails the zip file's checks (%v, %d extra bytes): the file is damaged; write it again", name, err, rest)
	}
	return data, nil
}

// safetensors: an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the data, offsets relative to its start.
type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

type stFile struct {
	r          io.ReaderAt
	base, data int64 // where the data starts, and its length
	raw        map[string]json.RawMessage
	order      []string
}

// maxSTHeader bounds the JSON header of a .safetensors file.
const maxSTHeader = 100 << 20

func openSafetensors(r io.ReaderAt, total int64) (*stFile, error) {
	var hb [8]byte
	if total < 8 {
		return nil, fmt.Errorf("truncated safetensors header: the file has %d bytes", total)
	}
	if _, err := r.ReadAt(hb[:], 0); err != nil {
		return nil, fmt.Errorf("truncated safetensors header: %w", err)
	}
	n := binary.LittleEndian.Uint64(hb[:])
	if n > maxSTHeader || n > uint64(total-8) {
		return nil, fmt.Errorf("safetensors header length %d does not fit the %d-byte file (truncated?)", n, total)
	}
	hj := make([]byte, n)
	if _, err := r.ReadAt(hj, 8); err != nil {
		return nil, fmt.Errorf("truncated safetensors header: %w", err)
	}
	s := &stFile{r: r, base: 8 + int64(n), data: total - 8 - int64(n), raw: map[string]json.RawMessage{}}
	// Walk the object: decoding it into a map would silently keep the last
	// of two entries with one name.
	dec := json.NewDecoder(bytes.NewReader(hj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("safetensors header is not a JSON object: the file is damaged")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("safetensors header is not JSON: %w", err)
		}
		name, _ := tok.(string)
		var msg json.RawMessage
		if err := dec.Decode(&msg); err != nil {
			return nil, fmt.Errorf("safetensors header is not JSON: %w", err)
		}
		if seen[name] {
			return nil, fmt.Errorf("holds two arrays named %s, and which one is meant cannot be told: the file is damaged; write it again", name)
		}
		seen[name] = true
		if name != "__metadata__" {
			s.raw[name] = msg
			s.order = append(s.order, name)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors header is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("safetensors header has data after its JSON object: the file is damaged")
	}
	sort.Strings(s.order)
	return s, nil
}

func (s *stFile) names() []string { return s.order }

func (s *stFile) entry(name string) (arrayInfo, stEntry, error) {
	msg, ok := s.raw[name]
	if !ok {
		return arrayInfo{}, stEntry{}, fmt.Errorf("no array %s", name)
	}
	var e stEntry
	if err := json.Unmarshal(msg, &e); err != nil {
		return arrayInfo{}, e, fmt.Errorf("array %s: %w", name, err)
	}
	ai := arrayInfo{Shape: e.Shape, order: binary.LittleEndian}
	switch e.DType {
	case "F32":
		ai.DType, ai.width = "float32", 4
	case "F64":
		ai.DType, ai.width = "float64", 8
	default:
		return arrayInfo{}, e, fmt.Errorf("array %s has dtype %s, which cannot be read: save it as float32 or float64", name, e.DType)
	}
	n, err := count(e.Shape)
	if err != nil {
		return arrayInfo{}, e, fmt.Errorf("array %s: %w", name, err)
	}
	ai.n = n
	// Subtractions only: offsets near 2^63 must not overflow into "fits".
	begin, end := e.Offsets[0], e.Offsets[1]
	if begin < 0 || end < begin || end > s.data {
		return arrayInfo{}, e, fmt.Errorf("array %s: data_offsets %v lie outside the %d bytes of data in the file: the file is truncated or damaged; write it again", name, e.Offsets, s.data)
	}
	if end-begin != int64(n)*int64(ai.width) {
		return arrayInfo{}, e, fmt.Errorf("array %s: data_offsets %v hold %d bytes, but shape %v of %s needs %d: the file is damaged", name, e.Offsets, end-begin, e.Shape, ai.DType, int64(n)*int64(ai.width))
	}
	return ai, e, nil
}

func (s *stFile) info(name string) (arrayInfo, error) {
	ai, _, err := s.entry(name)
	return ai, err
}

func (s *stFile) values(name string) ([]float64, error) {
	ai, e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	data := make([]float64, ai.n)
	sr := io.NewSectionReader(s.r, s.base+e.Offsets[0], e.Offsets[1]-e.Offsets[0])
	if err := readValues(sr, data, ai.width, ai.order); err != nil {
		return nil, fmt.Errorf("array %s: %w (truncated?)", name, err)
	}
	return data, nil
}

// WriteFile writes named arrays to a .npz or .safetensors file (by its
// extension), atomically.
func WriteFile(path string, names []string, arrays []Array) error {
	var buf bytes.Buffer
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npz":
		zw := zip.NewWriter(&buf)
		for i, n := range names {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: n + ".npy", Method: zip.Store})
			if err != nil {
				return fmt.Errorf("interop: %w", err)
			}
			if err := writeNPY(w, arrays[i]); err != nil {
				return fmt.Errorf("interop: %w", err)
			}
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("interop: %w", err)
		}
	case ".safetensors":
		header := map[string]any{"__metadata__": map[string]string{"format": "pt", "producer": "modadd"}}
		var data bytes.Buffer
		idx := make([]int, len(names))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return names[idx[a]] < names[idx[b]] })
		for _, i := range idx {
			a := arrays[i]
			dt := "F32"
			if a.DType == "float64" {
				dt = "F64"
			}
			begin := data.Len()
			var b [8]byte
			for _, v := range a.Data {
				if dt == "F64" {
					binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
					data.Write(b[:8])
				} else {
					binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
					data.Write(b[:4])
				}
			}
			header[names[i]] = stEntry{DType: dt, Shape: a.Shape, Offsets: [2]int64{int64(begin), int64(data.Len())}}
		}
		hj, err := json.Marshal(header)
		if err != nil {
			return fmt.Errorf("interop: %w", err)
		}
		for len(hj)%8 != 0 { // the format pads the header with spaces to 8 bytes
			hj = append(hj, ' ')
		}
		binary.Write(&buf, binary.LittleEndian, uint64(len(hj)))
		buf.Write(hj)
		buf.Write(data.Bytes())
	default:
		return fmt.Errorf("interop: %s: unknown format: use a .npz or .safetensors file name", path)
	}
	return checkpoint.WriteFileAtomic(path, buf.Bytes())
}

// errMissing is wrapped by the import errors for absent arrays.
var errMissing = errors.New("missing array")

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

	"codeberg.org/sbinet/npyio/npz"

	"github.com/modadd/modadd/pkg/checkpoint"
)

// ReadFile reads every float array of a .npz or .safetensors file, by name.
func ReadFile(path string) (map[string]Array, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".npz" && ext != ".safetensors" {
		return nil, fmt.Errorf("interop: %s: unknown format: use a .npz (NumPy) or .safetensors file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	if ext == ".npz" {
		return readNPZFrom(f, st.Size(), path)
	}
	arrays, err := readSafetensors(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("interop: %s: %w", path, err)
	}
	return arrays, nil
}

// readNPZFrom reads a NumPy .npz archive with npyio (codeberg.org/sbinet/npyio,
// by a gonum author): float32 and float64 arrays in C order.
func readNPZFrom(r io.ReaderAt, sz int64, path string) (map[string]Array, error) {
	z, err := npz.NewReader(r, sz)
	if err != nil {
		return nil, fmt.Errorf("interop: %s is not a readable .npz (zip) file: %w", path, err)
	}
	defer z.Close()
	out := map[string]Array{}
	for _, key := range z.Keys() {
		name := strings.TrimSuffix(key, ".npy")
		h := z.Header(key)
		if h == nil {
			return nil, fmt.Errorf("interop: %s: array %s has no readable header (truncated?)", path, name)
		}
		if h.Descr.Fortran {
			return nil, fmt.Errorf("interop: %s: array %s is Fortran-ordered: save it with np.ascontiguousarray", path, name)
		}
		a := Array{Shape: append([]int{}, h.Descr.Shape...)}
		n, err := size(a.Shape)
		if err != nil {
			return nil, fmt.Errorf("interop: %s: array %s: %w", path, name, err)
		}
		// A corrupt header must not make the reader allocate gigabytes:
		// deflate cannot compress by more than about 1032:1.
		if int64(n)*8 > 1100*sz+1<<20 {
			return nil, fmt.Errorf("interop: %s: array %s claims shape %v, too large for a %d-byte file (corrupt?)", path, name, a.Shape, sz)
		}
		switch strings.TrimLeft(strings.Trim(h.Descr.Type, `'"`), "<>=|") {
		case "f4":
			a.DType = "float32"
			var x []float32
			if err := z.Read(key, &x); err != nil {
				return nil, fmt.Errorf("interop: %s: array %s: %w (truncated?)", path, name, err)
			}
			a.Data = make([]float64, len(x))
			for i, v := range x {
				a.Data[i] = float64(v)
			}
		case "f8":
			a.DType = "float64"
			if err := z.Read(key, &a.Data); err != nil {
				return nil, fmt.Errorf("interop: %s: array %s: %w (truncated?)", path, name, err)
			}
		default:
			return nil, fmt.Errorf("interop: %s: array %s has dtype %s, which cannot be read: convert it to float32 or float64 (e.g. x.astype(np.float32))", path, name, h.Descr.Type)
		}
		if len(a.Data) != n {
			return nil, fmt.Errorf("interop: %s: array %s holds %d values for shape %v", path, name, len(a.Data), a.Shape)
		}
		out[name] = a
	}
	return out, nil
}

// safetensors: an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the data, offsets relative to its start.
type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

func readSafetensors(r io.ReaderAt, total int64) (map[string]Array, error) {
	var hb [8]byte
	if _, err := r.ReadAt(hb[:], 0); err != nil {
		return nil, fmt.Errorf("truncated safetensors header: %w", err)
	}
	n := binary.LittleEndian.Uint64(hb[:])
	if n > 100<<20 || int64(n)+8 > total {
		return nil, fmt.Errorf("safetensors header length %d does not fit the %d-byte file (truncated?)", n, total)
	}
	hj := make([]byte, n)
	if _, err := r.ReadAt(hj, 8); err != nil {
		return nil, fmt.Errorf("truncated safetensors header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hj, &raw); err != nil {
		return nil, fmt.Errorf("safetensors header is not JSON: %w", err)
	}
	base := int64(8 + n)
	out := map[string]Array{}
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var e stEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("array %s: %w", name, err)
		}
		width := 0
		a := Array{Shape: e.Shape}
		switch e.DType {
		case "F32":
			width, a.DType = 4, "float32"
		case "F64":
			width, a.DType = 8, "float64"
		default:
			return nil, fmt.Errorf("array %s has dtype %s, which cannot be read: save it as float32 or float64", name, e.DType)
		}
		cnt, err := size(e.Shape)
		if err != nil {
			return nil, fmt.Errorf("array %s: %w", name, err)
		}
		if e.Offsets[1]-e.Offsets[0] != int64(cnt*width) || e.Offsets[0] < 0 {
			return nil, fmt.Errorf("array %s: offsets %v do not hold %d values of %d bytes", name, e.Offsets, cnt, width)
		}
		if base+e.Offsets[1] > total {
			return nil, fmt.Errorf("array %s ends at byte %d of a %d-byte file (truncated?)", name, base+e.Offsets[1], total)
		}
		buf := make([]byte, e.Offsets[1]-e.Offsets[0])
		if _, err := r.ReadAt(buf, base+e.Offsets[0]); err != nil {
			return nil, fmt.Errorf("array %s: %w", name, err)
		}
		a.Data = make([]float64, cnt)
		for i := range a.Data {
			if width == 4 {
				a.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
			} else {
				a.Data[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
			}
		}
		out[name] = a
	}
	return out, nil
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

package interop

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Array is a dense float array read from or written to a file.
type Array struct {
	Shape []int
	Data  []float64
	// DType is "float32" or "float64": the precision stored in the file.
	DType string
}

func size(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// writeNPY writes one array in NumPy's .npy format (version 1.0,
// little-endian, C order).
func writeNPY(w io.Writer, a Array) error {
	descr := "<f4"
	if a.DType == "float64" {
		descr = "<f8"
	}
	shape := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		shape[i] = strconv.Itoa(d)
	}
	tuple := strings.Join(shape, ", ")
	if len(a.Shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	// Pad so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	var b [8]byte
	for _, v := range a.Data {
		if a.DType == "float64" {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			bw.Write(b[:8])
		} else {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
			bw.Write(b[:4])
		}
	}
	return bw.Flush()
}

var (
	reDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	reFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	reShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// readNPY reads one .npy array of float32 or float64 (either byte order).
func readNPY(r io.Reader) (Array, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, 8)
	if _, err := io.ReadFull(br, magic); err != nil {
		return Array{}, fmt.Errorf("truncated .npy header: %w", err)
	}
	if !bytes.Equal(magic[:6], []byte("\x93NUMPY")) {
		return Array{}, errors.New("not a .npy array (bad magic)")
	}
	var hlen int
	switch magic[6] {
	case 1:
		var n uint16
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return Array{}, fmt.Errorf("truncated .npy header: %w", err)
		}
		hlen = int(n)
	case 2, 3:
		var n uint32
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return Array{}, fmt.Errorf("truncated .npy header: %w", err)
		}
		if n > 1<<20 {
			return Array{}, fmt.Errorf(".npy header of %d bytes is implausible", n)
		}
		hlen = int(n)
	default:
		return Array{}, fmt.Errorf(".npy version %d.%d is not supported", magic[6], magic[7])
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(br, h); err != nil {
		return Array{}, fmt.Errorf("truncated .npy header: %w", err)
	}
	header := string(h)
	dm, fm, sm := reDescr.FindStringSubmatch(header), reFortran.FindStringSubmatch(header), reShape.FindStringSubmatch(header)
	if dm == nil || fm == nil || sm == nil {
		return Array{}, fmt.Errorf("malformed .npy header %q", header)
	}
	if fm[1] == "True" {
		return Array{}, errors.New("Fortran-ordered arrays are not supported: save with np.ascontiguousarray")
	}
	var a Array
	for _, f := range strings.Split(sm[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 {
			return Array{}, fmt.Errorf("malformed shape (%s)", sm[1])
		}
		a.Shape = append(a.Shape, d)
	}
	n, err := size(a.Shape)
	if err != nil {
		return Array{}, err
	}
	var order binary.ByteOrder = binary.LittleEndian
	descr := dm[1]
	if strings.HasPrefix(descr, ">") {
		order = binary.BigEndian
	}
	width := 0
	switch strings.TrimLeft(descr, "<>=|") {
	case "f4":
		width, a.DType = 4, "float32"
	case "f8":
		width, a.DType = 8, "float64"
	default:
		return Array{}, fmt.Errorf("dtype %s cannot be read: convert the array to float32 or float64 (e.g. x.astype(np.float32))", descr)
	}
	a.Data = make([]float64, n)
	buf := make([]byte, width)
	for i := range a.Data {
		if _, err := io.ReadFull(br, buf); err != nil {
			return Array{}, fmt.Errorf("truncated data: %d of %d values read", i, n)
		}
		if width == 4 {
			a.Data[i] = float64(math.Float32frombits(order.Uint32(buf)))
		} else {
			a.Data[i] = math.Float64frombits(order.Uint64(buf))
		}
	}
	return a, nil
}

package interop

import (
	"github.com/modadd/modadd/pkg/config"

	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Array is a dense float array read from or written to a file.
type Array struct {
	Shape []int
	Data  []float64
	// DType is "float32" or "float64": the precision stored in the file.
	DType config.DType
}

// writeNPY writes one array in NumPy's .npy format (version 1.0,
// little-endian, C order, any rank); readNPYHeader and readValues read it.
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

// MaxValues bounds what one file may make the readers allocate: the values
// of one array, and of all the arrays read from one file. This project's
// models have about 0.2 million parameters (the pizza preset at p = 59) and
// even p = 32768, the largest modulus, gives under 9 million at the default
// widths; a header declaring more is damaged or hostile and is refused before
// anything is allocated.
const MaxValues = 1 << 25

// count returns the number of values of shape: an error for a negative
// dimension or for more than MaxValues values (never an overflow).
func count(shape []int) (int, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v has a negative dimension: the header is damaged; write the file again", shape)
		}
	}
	if slices.Contains(shape, 0) {
		return 0, nil
	}
	n := 1
	for _, d := range shape {
		if n > MaxValues/d {
			return 0, fmt.Errorf("shape %v holds more than %d values, far more than any model of this project: the header is damaged, or the file holds something else than a modular-addition transformer", shape, MaxValues)
		}
		n *= d
	}
	return n, nil
}

// arrayInfo is what a file's header says about one array, known before any
// of its values is read.
type arrayInfo struct {
	Shape []int
	DType config.DType // "float32" or "float64"
	n     int          // values, at most MaxValues
	width int          // bytes per value
	order binary.ByteOrder
}

// maxNPYHeader bounds the length of a .npy header (NumPy itself refuses
// headers over 10,000 bytes by default).
const maxNPYHeader = 1 << 16

// readNPYHeader reads the magic string, version and header of a .npy stream
// (versions 1 to 3) and returns the array's description and the number of
// bytes before its data. It allocates at most maxNPYHeader bytes.
func readNPYHeader(r io.Reader) (arrayInfo, int64, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return arrayInfo{}, 0, fmt.Errorf("not a .npy array (%d bytes, too short for the magic string): %w", len(pre), err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return arrayInfo{}, 0, errors.New("not a .npy array (bad magic string): save arrays with np.savez")
	}
	var hlen, off int64
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return arrayInfo{}, 0, fmt.Errorf("truncated .npy header: %w", err)
		}
		hlen, off = int64(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return arrayInfo{}, 0, fmt.Errorf("truncated .npy header: %w", err)
		}
		hlen, off = int64(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return arrayInfo{}, 0, fmt.Errorf(".npy format version %d.%d is not supported (1.0 to 3.0 are): save the arrays with NumPy's np.savez", pre[6], pre[7])
	}
	if hlen > maxNPYHeader {
		return arrayInfo{}, 0, fmt.Errorf(".npy header length %d is implausible (NumPy writes a few hundred bytes): the file is damaged", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return arrayInfo{}, 0, fmt.Errorf(".npy header of %d bytes is truncated: %w", hlen, err)
	}
	ai, err := parseNPYHeader(string(hb))
	if err != nil {
		return arrayInfo{}, 0, err
	}
	return ai, off + hlen, nil
}

// parseNPYHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }, strictly: the
// three keys once each, nothing else.
func parseNPYHeader(s string) (arrayInfo, error) {
	bad := func(what string) (arrayInfo, error) {
		return arrayInfo{}, fmt.Errorf(".npy header %q is damaged (%s): write the file again with np.savez", clip(s), what)
	}
	p := pyLit{s: s}
	if !p.eat('{') {
		return bad("it is not a Python dict")
	}
	var descr string
	var fortran bool
	var shape []int
	seen := map[string]bool{}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok {
			return bad("a key is not a quoted string")
		}
		if seen[key] {
			return bad("key " + key + " appears twice")
		}
		seen[key] = true
		if !p.eat(':') {
			return bad("no ':' after key " + key)
		}
		switch key {
		case "descr":
			if descr, ok = p.str(); !ok {
				return arrayInfo{}, errors.New("the array is not of a simple dtype (a structured array?): save plain float32 or float64 arrays")
			}
		case "fortran_order":
			switch p.word() {
			case "False":
			case "True":
				fortran = true
			default:
				return bad("fortran_order is neither True nor False")
			}
		case "shape":
			var err error
			if shape, err = p.tuple(); err != nil {
				return bad(err.Error())
			}
		default:
			return bad("unknown key " + key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return bad("entries are not separated by commas")
			}
			break
		}
	}
	if p.space(); p.i != len(p.s) {
		return bad("characters after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return bad("it has no " + k)
		}
	}
	if fortran {
		return arrayInfo{}, errors.New("the array is Fortran-ordered: save it with np.ascontiguousarray")
	}
	ai := arrayInfo{Shape: shape}
	if len(descr) == 3 {
		switch descr[0] {
		case '<':
			ai.order = binary.LittleEndian
		case '>':
			ai.order = binary.BigEndian
		case '=':
			ai.order = binary.NativeEndian
		}
		switch descr[1:] {
		case "f4":
			ai.DType, ai.width = "float32", 4
		case "f8":
			ai.DType, ai.width = "float64", 8
		}
	}
	if ai.order == nil || ai.width == 0 {
		return arrayInfo{}, fmt.Errorf("the array has dtype %s, which cannot be read: convert it to float32 or float64 (e.g. x.astype(np.float32))", descr)
	}
	n, err := count(shape)
	if err != nil {
		return arrayInfo{}, err
	}
	ai.n = n
	return ai, nil
}

// clip shortens a damaged header for an error message.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// pyLit scans the few Python literals of a .npy header.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLit) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *pyLit) str() (string, bool) {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	j := strings.IndexByte(p.s[p.i+1:], p.s[p.i])
	if j < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+j]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	p.i += j + 2
	return v, true
}

// word reads a run of letters, digits, '_' and '-'.
func (p *pyLit) word() string {
	p.space()
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

// tuple reads a tuple of integers: (), (3,), (3, 4).
func (p *pyLit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("shape is not a tuple")
	}
	shape := []int{}
	for !p.eat(')') {
		w := p.word()
		d, err := strconv.Atoi(w)
		if err != nil {
			return nil, fmt.Errorf("shape entry %q is not an integer", w)
		}
		if len(shape) == 64 {
			return nil, errors.New("shape has more than 64 axes")
		}
		shape = append(shape, d)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("shape entries are not separated by commas")
			}
			break
		}
	}
	return shape, nil
}

// readValues fills data with values of width bytes (4: float32, 8: float64)
// in the given byte order, read from r through a small buffer.
func readValues(r io.Reader, data []float64, width int, order binary.ByteOrder) error {
	buf := make([]byte, min(len(data)*width, 1<<16))
	for done := 0; done < len(data); {
		k := min(len(data)-done, len(buf)/width)
		b := buf[:k*width]
		if _, err := io.ReadFull(r, b); err != nil {
			return fmt.Errorf("value %d of %d: %w", done, len(data), err)
		}
		for i := range k {
			if width == 4 {
				data[done+i] = float64(math.Float32frombits(order.Uint32(b[4*i:])))
			} else {
				data[done+i] = math.Float64frombits(order.Uint64(b[8*i:]))
			}
		}
		done += k
	}
	return nil
}

// Package checkpoint reads and writes model directories: the configuration,
// the weights (and, while training, the optimiser state), the metrics
// recorded during training and a human-readable metadata file.
//
// A model directory holds
//
//	config.json    the config.Config the model was trained with
//	state.gz       weights [+ AdamW moments], epoch and metric history
//	meta.json      backend, wall time, final metrics, the command that ran
//
// state.gz is a gzip stream (so truncation and bit flips fail gzip's CRC-32)
// of a magic line, a JSON header and the raw little-endian tensor data. Every
// file is written to a temporary name and renamed into place, so an
// interrupted write leaves the previous checkpoint intact. The package does
// not depend on GoMLX: analysis code reads models through it.
package checkpoint

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/modadd/modadd/pkg/config"
)

// File names inside a model directory.
const (
	ConfigFile = "config.json"
	StateFile  = "state.gz"
	MetaFile   = "meta.json"
)

const magic = "MODADD-STATE 1\n"

// Metrics are measured at one epoch on the train split, the held-out split
// and all p² pairs. Loss is the mean cross-entropy (natural log).
type Metrics struct {
	Epoch       int     `json:"epoch"`
	TrainLoss   float64 `json:"train_loss"`
	TrainAcc    float64 `json:"train_accuracy"`
	HeldoutLoss float64 `json:"heldout_loss"`
	HeldoutAcc  float64 `json:"heldout_accuracy"`
	Loss        float64 `json:"loss"`
	Acc         float64 `json:"accuracy"`
	// Seconds is the training wall time up to this epoch, resumes included.
	Seconds float64 `json:"seconds"`
}

// Meta describes how a model was made.
type Meta struct {
	Backend     string  `json:"backend"`
	Command     string  `json:"command,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
	// SeedBatch is the number of models trained together in one graph with
	// this one (train.TrainSeeds); WallSeconds is then the whole batch's
	// time. Zero or one: trained alone.
	SeedBatch   int      `json:"seed_batch,omitempty"`
	Epoch       int      `json:"epoch"`
	Final       *Metrics `json:"final_metrics,omitempty"`
	Params      int      `json:"trainable_params"`
	WeightsOnly bool     `json:"weights_only"`
	Note        string   `json:"note,omitempty"`
}

// Checkpoint is the content of a model directory.
type Checkpoint struct {
	Config config.Config
	// Epoch is the number of training steps taken.
	Epoch int
	// Params are the network's parameters in config.Params order.
	Params Tensors
	// AdamM and AdamV are AdamW's moments for the trainable parameters, in
	// the same order; nil in a weights-only model, which cannot be resumed.
	AdamM, AdamV Tensors
	History      []Metrics
	Meta         Meta

	// saved and savedDType are what state.gz says it was saved with.
	saved      *config.Config
	savedDType config.DType
}

// WeightsOnly reports whether the optimiser state is absent.
func (c *Checkpoint) WeightsOnly() bool { return c.AdamM == nil }

// Last returns the latest recorded metrics, if any.
func (c *Checkpoint) Last() (Metrics, bool) {
	if len(c.History) == 0 {
		return Metrics{}, false
	}
	return c.History[len(c.History)-1], true
}

type header struct {
	Epoch int          `json:"epoch"`
	DType config.DType `json:"dtype"`
	// Config is the configuration the weights were saved with: config.json
	// is its human-readable copy, and a copy edited after training (or one
	// from another run) is detected on Load. Absent in files written before
	// it was added.
	Config  *config.Config `json:"config,omitempty"`
	Tensors []headerItem   `json:"tensors"`
	History []Metrics      `json:"history"`
}

type headerItem struct {
	Group string `json:"group"` // "param", "adam_m", "adam_v"
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Exists reports whether dir holds a model (its config file).
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ConfigFile))
	return err == nil
}

// Save writes the checkpoint into dir (created if needed), each file
// atomically. The tensors are stored in the config's training precision.
func Save(dir string, c *Checkpoint) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	cfg, err := json.MarshalIndent(c.Config, "", "  ")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	state, err := c.encode()
	if err != nil {
		return err
	}
	c.Meta.Epoch = c.Epoch
	c.Meta.Params = c.Config.NumTrainable()
	c.Meta.WeightsOnly = c.WeightsOnly()
	if m, ok := c.Last(); ok {
		c.Meta.Final = &m
	}
	meta, err := json.MarshalIndent(c.Meta, "", "  ")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// The state goes first: a crash after it leaves a newer state beside an
	// older meta.json, which Load does not trust for anything.
	for _, f := range []struct {
		name string
		data []byte
	}{{StateFile, state}, {ConfigFile, append(cfg, '\n')}, {MetaFile, append(meta, '\n')}} {
		if err := WriteFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	return nil
}

// check verifies what Save writes: a valid config, the shapes it implies
// and finite values.
func (c *Checkpoint) check() error {
	if err := c.checkShapes(); err != nil {
		return err
	}
	return c.checkFinite()
}

// checkFinite refuses NaN or ±Inf in the weights or the AdamW moments.
func (c *Checkpoint) checkFinite() error {
	for _, g := range []Tensors{c.Params, c.AdamM, c.AdamV} {
		if err := g.CheckFinite(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Checkpoint) checkShapes() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	names, shapes := ParamShapes(c.Config)
	if err := c.Params.CheckShapes(names, shapes); err != nil {
		return err
	}
	if (c.AdamM == nil) != (c.AdamV == nil) {
		return errors.New("checkpoint: only one of the AdamW moments is present")
	}
	if c.AdamM != nil {
		tn, ts := TrainableShapes(c.Config)
		if err := c.AdamM.CheckShapes(tn, ts); err != nil {
			return fmt.Errorf("AdamW first moment: %w", err)
		}
		if err := c.AdamV.CheckShapes(tn, ts); err != nil {
			return fmt.Errorf("AdamW second moment: %w", err)
		}
	}
	return nil
}

// ParamShapes lists the names and shapes of all parameters of cfg.
func ParamShapes(cfg config.Config) ([]string, [][]int) {
	var names []string
	var shapes [][]int
	for _, p := range cfg.Params() {
		names, shapes = append(names, p.Name), append(shapes, p.Shape)
	}
	return names, shapes
}

// TrainableShapes lists the names and shapes of the trainable parameters.
func TrainableShapes(cfg config.Config) ([]string, [][]int) {
	var names []string
	var shapes [][]int
	for _, p := range cfg.Params() {
		if p.Trainable {
			names, shapes = append(names, p.Name), append(shapes, p.Shape)
		}
	}
	return names, shapes
}

func (c *Checkpoint) encode() ([]byte, error) {
	cfg := c.Config
	h := header{Epoch: c.Epoch, DType: c.Config.DType, Config: &cfg, History: c.History}
	groups := []struct {
		name string
		ts   Tensors
	}{{"param", c.Params}, {"adam_m", c.AdamM}, {"adam_v", c.AdamV}}
	for _, g := range groups {
		for _, t := range g.ts {
			h.Tensors = append(h.Tensors, headerItem{Group: g.name, Name: t.Name, Shape: t.Shape})
		}
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	w.WriteString(magic)
	binary.Write(w, binary.LittleEndian, uint32(len(hj)))
	w.Write(hj)
	f32 := c.Config.DType == config.Float32
	var b8 [8]byte
	for _, g := range groups {
		for _, t := range g.ts {
			for _, v := range t.Data {
				if f32 {
					binary.LittleEndian.PutUint32(b8[:4], math.Float32bits(float32(v)))
					w.Write(b8[:4])
				} else {
					binary.LittleEndian.PutUint64(b8[:], math.Float64bits(v))
					w.Write(b8[:])
				}
			}
		}
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return buf.Bytes(), nil
}

// Load reads the model directory dir. Errors name the file at fault and what
// to do about it.
func Load(dir string) (*Checkpoint, error) {
	cfgPath := filepath.Join(dir, ConfigFile)
	raw, err := os.ReadFile(cfgPath)
	if errors.Is(err, fs.ErrNotExist) {
		if _, e := os.Stat(dir); e != nil {
			return nil, fmt.Errorf("checkpoint: model directory %s does not exist: train one with `modadd train -out %s` or pass the directory of a trained model", dir, dir)
		}
		if _, e := os.Stat(filepath.Join(dir, StateFile)); e == nil {
			return nil, fmt.Errorf("checkpoint: %s is missing but %s holds weights (%s): restore config.json from where the model came from (or `modadd info` of a copy); training into this directory is refused, so the weights are safe", cfgPath, dir, StateFile)
		}
		return nil, fmt.Errorf("checkpoint: %s is missing, so %s is not a model directory: train one with `modadd train -out %s`", cfgPath, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	c := &Checkpoint{Config: config.Default()}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c.Config); err != nil {
		return nil, fmt.Errorf("checkpoint: %s is corrupt (%v): restore it from the model's source or retrain", cfgPath, err)
	}
	if err := c.Config.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", cfgPath, err)
	}
	statePath := filepath.Join(dir, StateFile)
	f, err := os.Open(statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint: %s is missing: the model in %s has no weights; retrain it (modadd train -out %s) or copy the file back", statePath, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	if err := c.decode(f); err != nil {
		return nil, fmt.Errorf("checkpoint: %s is corrupt or truncated (%v): delete the directory and retrain, or restore the file", statePath, err)
	}
	if err := c.checkBound(cfgPath, statePath); err != nil {
		return nil, err
	}
	if err := c.checkShapes(); err != nil {
		return nil, fmt.Errorf("checkpoint: %s does not match %s: %w", statePath, cfgPath, err)
	}
	if err := c.checkFinite(); err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, statePath)
	}
	if mb, err := os.ReadFile(filepath.Join(dir, MetaFile)); err == nil {
		_ = json.Unmarshal(mb, &c.Meta) // informational only
	}
	return c, nil
}

// readHeader reads the magic line and the JSON header at the start of a
// state file, leaving br at the tensor data.
func readHeader(r io.Reader) (*bufio.Reader, header, error) {
	var h header
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, h, err
	}
	br := bufio.NewReader(zr)
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(br, m); err != nil || string(m) != magic {
		return nil, h, errors.New("not a modadd state file (bad magic)")
	}
	var n uint32
	if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
		return nil, h, err
	}
	if n > 1<<26 {
		return nil, h, fmt.Errorf("header length %d is implausible", n)
	}
	// Grown as the bytes arrive: a length field alone allocates nothing.
	hj, err := io.ReadAll(io.LimitReader(br, int64(n)))
	if err != nil {
		return nil, h, err
	}
	if len(hj) != int(n) {
		return nil, h, fmt.Errorf("header of %d bytes ends after %d: %v", n, len(hj), io.ErrUnexpectedEOF)
	}
	if err := json.Unmarshal(hj, &h); err != nil {
		return nil, h, fmt.Errorf("header: %v", err)
	}
	return br, h, nil
}

// Dirs lists the model directories directly under root: those holding a
// state file (a directory whose first checkpoint is still being written
// has none yet), sorted.
func Dirs(root string) ([]string, error) {
	entries, err := os.ReadDir(root) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var dirs []string
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, StateFile)); err == nil && e.IsDir() {
			dirs = append(dirs, dir)
		}
	}
	return dirs, nil
}

// Peek reads a model directory's config and the epoch its state file
// records, without reading the weights: for finding a model among many
// (Load checks everything when it is used).
func Peek(dir string) (config.Config, int, error) {
	cfg := config.Default()
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return cfg, 0, fmt.Errorf("checkpoint: %w", err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, 0, fmt.Errorf("checkpoint: %s: %v", filepath.Join(dir, ConfigFile), err)
	}
	f, err := os.Open(filepath.Join(dir, StateFile))
	if err != nil {
		return cfg, 0, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	_, h, err := readHeader(f)
	if err != nil {
		return cfg, 0, fmt.Errorf("checkpoint: %s: %v", filepath.Join(dir, StateFile), err)
	}
	return cfg, h.Epoch, nil
}

func (c *Checkpoint) decode(r io.Reader) error {
	br, h, err := readHeader(r)
	if err != nil {
		return err
	}
	var width int
	switch h.DType {
	case "float32":
		width = 4
	case "float64":
		width = 8
	default:
		return fmt.Errorf("unknown dtype %q", h.DType)
	}
	c.Epoch, c.History, c.saved = h.Epoch, h.History, h.Config
	if h.Config != nil && h.Config.SameModel(c.Config) != nil {
		// Load refuses this pair (checkBound names the fields that differ):
		// allocate nothing for weights that will not be used. Without
		// tensors the checkpoint cannot pass checkShapes either.
		c.savedDType = h.DType
		return nil
	}
	// Every declared shape is checked before anything is allocated: against
	// the config's (which the header's config, when present, equals) and
	// against a sane bound, so that a damaged or hostile header cannot make
	// Load allocate gigabytes.
	const maxValues = 1 << 25 // per group: the pizza model has 0.2 million, p = 32768 at the default widths under 9 million
	want := map[string]map[string][]int{"param": {}, "adam_m": {}, "adam_v": {}}
	names, shapes := ParamShapes(c.Config)
	total := 0
	for i, name := range names {
		want["param"][name] = shapes[i]
		size := 1
		for _, d := range shapes[i] {
			if d < 1 || size > maxValues/d {
				size = maxValues + 1
				break
			}
			size *= d
		}
		if total += size; total > maxValues {
			return fmt.Errorf("the config's model has more than %d parameters (p=%d, d_model=%d, d_mlp=%d), far more than any model of this project: config.json is damaged", maxValues, c.Config.P, c.Config.DModel, c.Config.DMLP)
		}
	}
	names, shapes = TrainableShapes(c.Config)
	for i, name := range names {
		want["adam_m"][name], want["adam_v"][name] = shapes[i], shapes[i]
	}
	seen := map[string]bool{}
	for _, it := range h.Tensors {
		g, ok := want[it.Group]
		if !ok {
			return fmt.Errorf("unknown tensor group %q", it.Group)
		}
		of := ""
		if it.Group != "param" {
			of = " (AdamW moment " + it.Group + ")"
		}
		shape, ok := g[it.Name]
		if !ok {
			return fmt.Errorf("tensor %s%s is not one the config's model has", it.Name, of)
		}
		if seen[it.Group+" "+it.Name] {
			return fmt.Errorf("tensor %s%s appears twice", it.Name, of)
		}
		seen[it.Group+" "+it.Name] = true
		if fmt.Sprint(it.Shape) != fmt.Sprint(shape) {
			return fmt.Errorf("tensor %s has shape %v, expected %v by the config%s", it.Name, it.Shape, shape, of)
		}
	}
	buf := make([]byte, 8)
	for _, it := range h.Tensors {
		size := Size(it.Shape)
		t := Tensor{Name: it.Name, Shape: it.Shape, Data: make([]float64, size)}
		for i := range t.Data {
			if _, err := io.ReadFull(br, buf[:width]); err != nil {
				return fmt.Errorf("tensor %s: %v", it.Name, err)
			}
			if width == 4 {
				t.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(buf)))
			} else {
				t.Data[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf))
			}
		}
		switch it.Group {
		case "param":
			c.Params = append(c.Params, t)
		case "adam_m":
			c.AdamM = append(c.AdamM, t)
		case "adam_v":
			c.AdamV = append(c.AdamV, t)
		default:
			return fmt.Errorf("unknown tensor group %q", it.Group)
		}
	}
	// Reading to the end makes gzip verify its CRC-32 and length.
	if rest, err := io.Copy(io.Discard, br); err != nil {
		return err
	} else if rest != 0 {
		return fmt.Errorf("%d unexpected trailing bytes", rest)
	}
	c.savedDType = h.DType
	return nil
}

// checkBound reports a config.json that does not belong to the weights
// beside it: edited after training, or written by another run.
func (c *Checkpoint) checkBound(cfgPath, statePath string) error {
	if c.saved != nil {
		if err := c.saved.SameModel(c.Config); err != nil {
			return fmt.Errorf("checkpoint: %s does not describe the weights in %s (%v): it was edited after training or belongs to another run; restore the values the model was trained with (%s holds them)", cfgPath, statePath, err, statePath)
		}
	}
	if c.savedDType != c.Config.DType {
		return fmt.Errorf("checkpoint: %s says dtype %s but the weights in %s were saved in %s: config.json was edited after training; set dtype back to %s (the dtype of a trained model cannot change)", cfgPath, c.Config.DType, statePath, c.savedDType, c.savedDType)
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed into place: readers see the old file or the
// new one, never a partial write.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Describe is a short human-readable summary of a checkpoint.
func (c *Checkpoint) Describe() string {
	var b strings.Builder
	cfg := c.Config
	fmt.Fprintf(&b, "preset %s: p=%d d_model=%d heads=%dx%d d_mlp=%d act=%s alpha=%g (%s) seed=%d\n",
		cfg.Preset, cfg.P, cfg.DModel, cfg.NHeads, cfg.DHead, cfg.DMLP, cfg.Act, cfg.Alpha, cfg.AttnMix, cfg.Seed)
	fmt.Fprintf(&b, "trainable parameters: %d (%s)\n", cfg.NumTrainable(), cfg.DType)
	fmt.Fprintf(&b, "epochs trained: %d of %d", c.Epoch, cfg.Epochs)
	if c.WeightsOnly() {
		b.WriteString(" (weights only: cannot be resumed)")
	}
	b.WriteString("\n")
	if m, ok := c.Last(); ok {
		fmt.Fprintf(&b, "at epoch %d: train loss %.3g acc %.4f, held-out loss %.3g acc %.4f, all pairs acc %.4f\n",
			m.Epoch, m.TrainLoss, m.TrainAcc, m.HeldoutLoss, m.HeldoutAcc, m.Acc)
	}
	if c.Meta.Backend != "" {
		fmt.Fprintf(&b, "backend %s, wall time %.1f s", c.Meta.Backend, c.Meta.WallSeconds)
		if c.Meta.SeedBatch > 1 {
			fmt.Fprintf(&b, " (trained in one graph with %d other seeds; the time is the batch's)", c.Meta.SeedBatch-1)
		}
		b.WriteString("\n")
	}
	if c.Meta.Command != "" {
		fmt.Fprintf(&b, "made by: %s\n", c.Meta.Command)
	}
	return b.String()
}

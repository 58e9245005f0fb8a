// Package config describes one model and its training run: the architecture
// of the one-layer transformer, the data split and the optimiser, with the
// presets of the papers this project reproduces and the parameter list that
// every other package agrees on.
//
// The network (MECHANISM.md §1) reads two tokens [a, b] and predicts
// (a + b) mod p from the last position:
//
//	r_j   = W_E[t_j] + W_pos[j]                      j = 0, 1
//	v_hj  = r_j W_V[h] + b_V[h]   (q, k likewise)
//	A_h   = Alpha·C + (1 − Alpha)·softmax_j(q_h1·k_hj / √d_head)
//	x     = r_1 + Σ_h Σ_j A_hj v_hj W_O[h] + b_O
//	y     = act(x W_in + b_in) W_out + b_out
//	logit = (x + y) W_U + b_U
//
// where C = 1/n_ctx for AttnMix "mean" (the pizza paper's convention: the
// pattern stays a probability distribution) and C = 1 for AttnMix "sum"
// (Zhong et al.'s convention: coefficient c = 1 − Alpha on the softmax, no
// renormalisation, so Alpha = 1 adds the two positions). In both, Alpha = 1 is
// the constant-attention ("pizza") model and Alpha = 0 ordinary attention
// (the "clock" model).
package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/modadd/modadd/pkg/zp"
)

// NCtx is the number of input positions: [a, b], no "=" token.
const NCtx = 2

// Config is everything that determines a trained model. Its zero value is not
// usable; start from Preset or Default and change fields.
type Config struct {
	// Preset names the preset this config started from (informational).
	Preset string `json:"preset"`

	// P is the modulus; the vocabulary and the output are Z_p. Default 59.
	P int `json:"p"`
	// DModel is the width of the residual stream. Default 128.
	DModel int `json:"d_model"`
	// NHeads and DHead give the attention heads. Default 4 heads of 32.
	NHeads int `json:"n_heads"`
	DHead  int `json:"d_head"`
	// DMLP is the number of MLP neurons. Default 512.
	DMLP int `json:"d_mlp"`
	// Act is the MLP activation: "relu" (default), "gelu" (tanh-free, erf
	// form), "abs" or "square".
	Act Activation `json:"act"`
	// Alpha is the weight of the constant part of the attention pattern:
	// 1 = constant attention (pizza), 0 = softmax attention (clock).
	Alpha float64 `json:"alpha"`
	// AttnMix is "mean" (constant part 1/n_ctx; the pizza paper) or "sum"
	// (constant part 1, unnormalised; Zhong et al., whose coefficient is
	// 1 − Alpha).
	AttnMix AttnMix `json:"attn_mix"`
	// TrainBiases is "mlp" (only b_in and b_out train, the other biases stay
	// 0; the pizza paper) or "all" (Zhong et al.).
	TrainBiases string `json:"train_biases"`
	// Init is the initialisation rule: "pizza" draws every weight matrix from
	// N(0, (InitScale/√d_model)²); "fan" draws from N(0, 1/fan) with fan =
	// d_model for every matrix but W_U, whose fan is p (Nanda et al.'s code,
	// used by Zhong et al.). Biases start at 0.
	Init string `json:"init"`
	// InitScale is the numerator of the "pizza" rule. Default 0.8.
	InitScale float64 `json:"init_scale"`

	// Seed drives the data split and the initial weights.
	Seed uint64 `json:"seed"`
	// TrainFrac is the fraction of the p² pairs trained on. Default 0.8.
	TrainFrac float64 `json:"train_frac"`

	// Epochs is the number of full-batch AdamW steps. Default 10,000.
	Epochs int `json:"epochs"`
	// LR is the base learning rate; the rate at epoch e is LR·min(e/Warmup, 1),
	// so it is 0 at epoch 0. Default 1e-3, Warmup 10.
	LR     float64 `json:"lr"`
	Warmup int     `json:"warmup"`
	// WeightDecay is AdamW's decoupled decay. Default 1.0.
	WeightDecay float64 `json:"weight_decay"`
	// Beta1, Beta2, Eps are Adam's constants. Default 0.9, 0.98, 1e-8.
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	Eps   float64 `json:"eps"`
	// DType is the training precision of the weights and activations,
	// "float32" (default, as the authors) or "float64". The cross-entropy is
	// always computed in float64.
	DType DType `json:"dtype"`

	// EvalEvery is the interval, in epochs, of the recorded metrics. Default 100.
	EvalEvery int `json:"eval_every"`
	// CheckpointEvery is the interval, in epochs, of the checkpoints. Default 1000.
	CheckpointEvery int `json:"checkpoint_every"`
}

// Presets lists the names accepted by Preset.
var Presets = []string{"pizza", "zhong", "clock"}

// Default returns the pizza preset: the configuration of the pizza paper's
// authors (MECHANISM.md §1), 212,608 trainable parameters at p = 59.
func Default() Config {
	return Config{
		Preset: "pizza",
		P:      59, DModel: 128, NHeads: 4, DHead: 32, DMLP: 512,
		Act: "relu", Alpha: 1, AttnMix: "mean", TrainBiases: "mlp",
		Init: "pizza", InitScale: 0.8,
		Seed: 0, TrainFrac: zp.DefaultTrainFrac,
		Epochs: 10000, LR: 1e-3, Warmup: 10, WeightDecay: 1.0,
		Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, DType: "float32",
		EvalEvery: 100, CheckpointEvery: 1000,
	}
}

// Preset returns a named configuration:
//
//	pizza  the pizza paper's model (Default).
//	zhong  Zhong et al.'s model A: unnormalised attention mix ("sum"), all
//	       biases trainable, 1/√fan init, weight decay 2, 20,000 epochs.
//	clock  the pizza model with ordinary softmax attention (Alpha = 0).
func Preset(name string) (Config, error) {
	c := Default()
	switch name {
	case "pizza":
	case "zhong":
		c.Preset = "zhong"
		c.AttnMix = "sum"
		c.TrainBiases = "all"
		c.Init = "fan"
		c.WeightDecay = 2.0
		c.Epochs = 20000
	case "clock":
		c.Preset = "clock"
		c.Alpha = 0
	default:
		return Config{}, fmt.Errorf("config: unknown preset %q: use one of %s", name, strings.Join(Presets, ", "))
	}
	return c, nil
}

// Validate reports the first field that cannot work, saying what to use.
func (c Config) Validate() error {
	if err := zp.CheckP(c.P); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	pos := func(name string, v int) error {
		if v < 1 {
			return fmt.Errorf("config: %s = %d must be a positive integer", name, v)
		}
		return nil
	}
	for _, f := range []struct {
		n string
		v int
	}{{"d_model", c.DModel}, {"n_heads", c.NHeads}, {"d_head", c.DHead}, {"d_mlp", c.DMLP},
		{"eval_every", c.EvalEvery}, {"checkpoint_every", c.CheckpointEvery}} {
		if err := pos(f.n, f.v); err != nil {
			return err
		}
	}
	if c.Epochs < 0 {
		return fmt.Errorf("config: epochs = %d must be >= 0", c.Epochs)
	}
	if c.Warmup < 0 {
		return fmt.Errorf("config: warmup = %d must be >= 0", c.Warmup)
	}
	if err := c.Act.Validate(); err != nil {
		return err
	}
	if !(c.Alpha >= 0 && c.Alpha <= 1) {
		return fmt.Errorf("config: alpha = %v must be in [0, 1] (1 = constant attention, 0 = softmax)", c.Alpha)
	}
	if err := c.AttnMix.Validate(); err != nil {
		return err
	}
	if c.TrainBiases != "mlp" && c.TrainBiases != "all" {
		return fmt.Errorf("config: train_biases = %q: use mlp or all", c.TrainBiases)
	}
	if c.Init != "pizza" && c.Init != "fan" {
		return fmt.Errorf("config: init = %q: use pizza or fan", c.Init)
	}
	if c.Init == "pizza" && !(c.InitScale > 0) {
		return fmt.Errorf("config: init_scale = %v must be positive", c.InitScale)
	}
	if !(c.TrainFrac > 0 && c.TrainFrac <= 1) {
		return fmt.Errorf("config: train_frac = %v must be in (0, 1]", c.TrainFrac)
	}
	for _, f := range []struct {
		n string
		v float64
	}{{"lr", c.LR}, {"weight_decay", c.WeightDecay}, {"eps", c.Eps}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("config: %s = %v must be a finite number >= 0", f.n, f.v)
		}
	}
	if c.Eps == 0 {
		return fmt.Errorf("config: eps = 0: Adam divides by √v + eps, and v is 0 for a parameter whose gradient is 0 (0/0 = NaN); use a small positive eps such as the default 1e-8")
	}
	if !(c.Beta1 >= 0 && c.Beta1 < 1) || !(c.Beta2 >= 0 && c.Beta2 < 1) {
		return fmt.Errorf("config: beta1 = %v, beta2 = %v must be in [0, 1)", c.Beta1, c.Beta2)
	}
	if err := c.DType.Validate(); err != nil {
		return err
	}
	return nil
}

// SameModel reports, as an error naming the fields, where c and o differ in
// anything that shapes the model or its training (everything except Epochs
// and the eval/checkpoint intervals, which may change on resume).
func (c Config) SameModel(o Config) error {
	a, b := c, o
	for _, x := range []*Config{&a, &b} {
		x.Epochs, x.EvalEvery, x.CheckpointEvery, x.Preset = 0, 0, 0, ""
	}
	if a == b {
		return nil
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var diffs []string
	for i := 0; i < va.NumField(); i++ {
		if va.Field(i).Interface() != vb.Field(i).Interface() {
			diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", jsonName(va.Type().Field(i)), va.Field(i).Interface(), vb.Field(i).Interface()))
		}
	}
	return fmt.Errorf("config: configurations differ in %s", strings.Join(diffs, ", "))
}

func jsonName(f reflect.StructField) string {
	return strings.Split(f.Tag.Get("json"), ",")[0]
}

// Keys lists the names accepted by Set, sorted.
func Keys() []string {
	t := reflect.TypeOf(Config{})
	var ks []string
	for i := 0; i < t.NumField(); i++ {
		ks = append(ks, jsonName(t.Field(i)))
	}
	sort.Strings(ks)
	return ks
}

// Set applies overrides written "key=value;key=value" (also separated by
// commas or spaces), with the JSON names of the fields, e.g.
// "d_mlp=256;lr=3e-4;act=gelu". The result is not validated.
func (c *Config) Set(overrides string) error {
	fields := strings.FieldsFunc(overrides, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
	v := reflect.ValueOf(c).Elem()
	for _, kv := range fields {
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("config: override %q is not key=value", kv)
		}
		key = strings.TrimSpace(key)
		if key == "preset" {
			return fmt.Errorf("config: the preset is chosen with -config %s (it sets several fields); -set preset=%s would only relabel the model", val, val)
		}
		found := false
		for i := 0; i < v.NumField(); i++ {
			if jsonName(v.Type().Field(i)) != key {
				continue
			}
			found = true
			f := v.Field(i)
			var err error
			switch f.Kind() {
			case reflect.Int:
				var n int64
				n, err = strconv.ParseInt(val, 10, 64)
				f.SetInt(n)
			case reflect.Uint64:
				var n uint64
				n, err = strconv.ParseUint(val, 10, 64)
				f.SetUint(n)
			case reflect.Float64:
				var x float64
				x, err = strconv.ParseFloat(val, 64)
				f.SetFloat(x)
			case reflect.String:
				f.SetString(val)
			}
			if err != nil {
				return fmt.Errorf("config: override %s=%q: %v is not a valid %s", key, val, val, f.Kind())
			}
		}
		if !found {
			return fmt.Errorf("config: unknown key %q in override; known keys: %s", key, strings.Join(Keys(), ", "))
		}
	}
	return nil
}

// String is the JSON form of the config.
func (c Config) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestPizzaParamCount(t *testing.T) {
	if n := Default().NumTrainable(); n != 212608 {
		t.Fatalf("pizza preset has %d trainable parameters, want 212,608", n)
	}
	z, _ := Preset("zhong")
	// All biases train: + b_Q, b_K, b_V (3·128) + b_O (128) + b_U (59).
	if n := z.NumTrainable(); n != 212608+3*128+128+59 {
		t.Fatalf("zhong preset has %d trainable parameters", n)
	}
}

func TestPresetsValid(t *testing.T) {
	for _, name := range Presets {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	if _, err := Preset("pie"); err == nil || !strings.Contains(err.Error(), "pizza") {
		t.Errorf("unknown preset: err = %v", err)
	}
}

func TestSetAndValidate(t *testing.T) {
	c := Default()
	if err := c.Set("d_mlp=256; lr=3e-4,act=gelu seed=7"); err != nil {
		t.Fatal(err)
	}
	if c.DMLP != 256 || c.LR != 3e-4 || c.Act != "gelu" || c.Seed != 7 {
		t.Fatalf("Set did not apply: %+v", c)
	}
	for _, bad := range []string{"nope=1", "d_mlp=x", "d_mlp"} {
		c := Default()
		if err := c.Set(bad); err == nil {
			t.Errorf("Set(%q): no error", bad)
		}
	}
	for _, bad := range []string{"p=1", "p=-5", "d_mlp=0", "alpha=1.5", "act=tanh", "attn_mix=max", "dtype=float16", "train_frac=0", "beta2=1"} {
		c := Default()
		if err := c.Set(bad); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil {
			t.Errorf("Validate after %q: no error", bad)
		}
	}
}

func TestSameModel(t *testing.T) {
	a, b := Default(), Default()
	b.Epochs, b.EvalEvery = 5, 7
	if err := a.SameModel(b); err != nil {
		t.Fatalf("epochs must not count: %v", err)
	}
	b.DMLP = 256
	err := a.SameModel(b)
	if err == nil || !strings.Contains(err.Error(), "d_mlp") {
		t.Fatalf("err = %v, want it to name d_mlp", err)
	}
}

func ExampleConfig_NumTrainable() {
	fmt.Println(Default().NumTrainable())
	// Output: 212608
}

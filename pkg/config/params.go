package config

// Param describes one parameter tensor of the network, named and shaped as in
// TransformerLens (so W_Q is [n_heads, d_model, d_head] and W_U is
// [d_model, p]).
type Param struct {
	Name  string
	Shape []int
	// Trainable is false for the biases the config freezes at 0.
	Trainable bool
	// Bias parameters start at 0; matrices are drawn by the init rule.
	Bias bool
	// Fan is the fan-in used by the "fan" init rule.
	Fan int
}

// Size is the number of scalars in the parameter.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Params lists the network's parameters in their canonical order, which every
// file, export and optimiser state follows.
func (c Config) Params() []Param {
	h, d, dh, m, p := c.NHeads, c.DModel, c.DHead, c.DMLP, c.P
	allBias := c.TrainBiases == "all"
	mat := func(name string, fan int, shape ...int) Param {
		return Param{Name: name, Shape: shape, Trainable: true, Fan: fan}
	}
	bias := func(name string, trainable bool, shape ...int) Param {
		return Param{Name: name, Shape: shape, Trainable: trainable, Bias: true}
	}
	return []Param{
		mat("W_E", d, p, d),
		mat("W_pos", d, NCtx, d),
		mat("W_Q", d, h, d, dh),
		bias("b_Q", allBias, h, dh),
		mat("W_K", d, h, d, dh),
		bias("b_K", allBias, h, dh),
		mat("W_V", d, h, d, dh),
		bias("b_V", allBias, h, dh),
		mat("W_O", d, h, dh, d),
		bias("b_O", allBias, d),
		mat("W_in", d, d, m),
		bias("b_in", true, m),
		mat("W_out", d, m, d),
		bias("b_out", true, d),
		mat("W_U", p, d, p),
		bias("b_U", allBias, p),
	}
}

// NumTrainable counts the trainable scalars (212,608 for the pizza preset).
func (c Config) NumTrainable() int {
	n := 0
	for _, p := range c.Params() {
		if p.Trainable {
			n += p.Size()
		}
	}
	return n
}

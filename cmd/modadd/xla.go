//go:build xla

package main

// Linking the XLA backend needs cgo; select it at run time with
// GOMLX_BACKEND=xla:PLUGIN (see README).
import _ "github.com/gomlx/gomlx/backends/xla"

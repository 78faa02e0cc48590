package upgrade

import "testing"

func TestKernel(t *testing.T) {
	r := &Registry{m: map[string]int{}}
	r.GetOrCreate("x")
}

package registry

import "testing"

func TestKernel(t *testing.T) {
	r := &Registry{objs: map[*Object]bool{}}
	o := &Object{}
	r.Register(o)
	o.Close()
}

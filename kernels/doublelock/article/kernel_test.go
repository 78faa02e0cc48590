package article

import "testing"

func TestKernel(t *testing.T) {
	s := &Service{}
	s.Foo()
}

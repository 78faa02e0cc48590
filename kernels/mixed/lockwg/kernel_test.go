package lockwg

import "testing"

func TestKernel(t *testing.T) {
	ix := &Index{docs: map[int]string{}}
	ix.Rebuild(2)
}

package sequential

import "testing"

func TestKernel(t *testing.T) {
	x, y := &Node{name: "x"}, &Node{name: "y"}
	link(x, y)
	link(y, x)
}

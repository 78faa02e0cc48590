package deferloop

import "testing"

func TestKernel(t *testing.T) {
	tb := &Table{}
	tb.AddAll([]int{1, 2, 3})
}

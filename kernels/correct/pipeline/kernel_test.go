package pipeline

import "testing"

func TestKernel(t *testing.T) {
	if Sum(4) != 14 {
		t.Fatal(Sum(4))
	}
}

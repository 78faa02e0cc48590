package deferdone

import "testing"

func TestKernel(t *testing.T) {
	if Process([]int{1, -1, 2}) != 3 {
		t.Fatal("wrong total")
	}
}

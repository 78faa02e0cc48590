package workerpool

import "testing"

func TestKernel(t *testing.T) {
	if Pool([]int{1, 2, 3, 4}, 3) != 20 {
		t.Fatal("wrong sum")
	}
}

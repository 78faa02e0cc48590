package firsterror

import "testing"

func TestKernel(t *testing.T) {
	_ = CheckAll(4)
}

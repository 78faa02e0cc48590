package missingdone

import "testing"

func TestKernel(t *testing.T) {
	process([]int{1, -1, 2})
}

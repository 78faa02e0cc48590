package waitbeforeread

import "testing"

func TestKernel(t *testing.T) {
	Collect(3)
}

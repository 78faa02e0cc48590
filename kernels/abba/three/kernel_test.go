package three

import "testing"

func TestKernel(t *testing.T) {
	run()
}

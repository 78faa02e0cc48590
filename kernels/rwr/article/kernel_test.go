package article

import "testing"

func TestKernel(t *testing.T) {
	run()
}

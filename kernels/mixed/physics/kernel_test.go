package physics

import "testing"

func TestKernel(t *testing.T) {
	run()
}

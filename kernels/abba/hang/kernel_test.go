package hang

import "testing"

func TestKernel(t *testing.T) {
	run()
}

package transfer

import "testing"

func TestKernel(t *testing.T) {
	run()
}

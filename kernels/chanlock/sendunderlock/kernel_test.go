package sendunderlock

import "testing"

func TestKernel(t *testing.T) {
	run()
}

package rwrchan

import "testing"

func TestKernel(t *testing.T) {
	run()
}

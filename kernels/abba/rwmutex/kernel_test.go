package rwmutex

import "testing"

func TestKernel(t *testing.T) {
	run()
}

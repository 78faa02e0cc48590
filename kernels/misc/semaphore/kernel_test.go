package semaphore

import "testing"

func TestKernel(t *testing.T) {
	run()
}

package waitinworker

import "testing"

func TestKernel(t *testing.T) {
	run()
}

package adtech

import "testing"

func TestKernel(t *testing.T) {
	run()
}

package circular

import "testing"

func TestKernel(t *testing.T) {
	run()
}

package bufferfull

import "testing"

func TestKernel(t *testing.T) {
	run()
}

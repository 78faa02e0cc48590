package neverclosed

import "testing"

func TestKernel(t *testing.T) {
	Sum()
}

package addtoomany

import "testing"

func TestKernel(t *testing.T) {
	Start([]func(){func() {}, func() {}})
}

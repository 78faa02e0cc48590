package pipeline

import "testing"

func TestKernel(t *testing.T) {
	Run([]string{"a", "", "b", "c"})
}

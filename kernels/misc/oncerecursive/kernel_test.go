package oncerecursive

import "testing"

func TestKernel(t *testing.T) {
	Config()
}

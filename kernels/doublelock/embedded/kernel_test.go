package embedded

import "testing"

func TestKernel(t *testing.T) {
	s := &Store{items: []string{"a"}}
	s.Snapshot()
}

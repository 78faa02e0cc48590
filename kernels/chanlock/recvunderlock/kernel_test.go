package recvunderlock

import "testing"

func TestKernel(t *testing.T) {
	s := &Store{data: map[string]int{}}
	s.Get("k")
}

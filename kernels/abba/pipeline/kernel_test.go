package pipeline

import "testing"

func TestKernel(t *testing.T) {
	p := &Pipeline{batch: []int{1, 2}, results: map[int]int{}}
	p.Flush()
	p.Requeue()
}

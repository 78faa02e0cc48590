package coupling

import (
	"sync"
	"testing"
)

func TestKernel(t *testing.T) {
	l := NewList(5)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); l.Inc() }()
	}
	wg.Wait()
}

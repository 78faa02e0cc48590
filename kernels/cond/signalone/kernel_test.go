package signalone

import (
	"sync"
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	g := &Gate{}
	g.c = sync.NewCond(&g.mu)
	var wg sync.WaitGroup
	wg.Add(2)
	for i := 0; i < 2; i++ {
		go func() { defer wg.Done(); g.Pass() }()
	}
	time.Sleep(20 * time.Millisecond)
	g.Open()
	wg.Wait()
}

package ctxcancel

import (
	"context"
	"sync"
	"testing"
)

func TestKernel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go Produce(ctx, out, &wg)
	}
	for i := 0; i < 10; i++ {
		<-out
	}
	cancel()
	wg.Wait()
}

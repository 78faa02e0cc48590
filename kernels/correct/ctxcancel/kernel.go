// Package ctxcancel is a deadlock kernel (correct: cancellation through a context).
//
// Workers select on ctx.Done() with every send; the caller cancels and
// waits for them.
package ctxcancel

import (
	"context"
	"sync"
)

func Produce(ctx context.Context, out chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; ; i++ {
		select {
		case out <- i:
		case <-ctx.Done():
			return
		}
	}
}

// Package wrongctx is a deadlock kernel (communication deadlock: channel & context).
//
// The worker selects on a context it made itself instead of the caller's,
// so the caller's cancellation never reaches it.
package wrongctx

import "context"

func Stream(ctx context.Context, out chan<- int) {
	go func() {
		local := context.Background() // should be ctx
		for i := 0; ; i++ {
			select {
			case out <- i:
			case <-local.Done(): // never closed
				return
			}
		}
	}()
}

// Package nodone is a deadlock kernel (communication deadlock: channel & context).
//
// The worker sends its result without a select on ctx.Done(); the caller
// cancels and leaves.
package nodone

import (
	"context"
	"time"
)

func Lookup(ctx context.Context) (string, error) {
	res := make(chan string)
	go func() {
		time.Sleep(10 * time.Millisecond)
		res <- "answer" // should select on ctx.Done() too
	}()
	select {
	case r := <-res:
		return r, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Package lostcancel is a deadlock kernel (communication deadlock: channel & context).
//
// The watcher keeps the cancel function of its context, but its user never
// calls Close: the goroutine waiting for ctx.Done() waits forever.
package lostcancel

import "context"

type Watcher struct {
	cancel context.CancelFunc
}

func (w *Watcher) Watch(parent context.Context, events <-chan int) {
	ctx, cancel := context.WithCancel(parent)
	w.cancel = cancel
	go func() {
		for {
			select {
			case <-ctx.Done(): // only Close cancels it
				return
			case <-events:
			}
		}
	}()
}

// Close stops the watcher.
func (w *Watcher) Close() { w.cancel() }

// Package ticker is a deadlock kernel (correct: a ticker loop stopped through a channel).
//
// A background loop on a Ticker that exits when told to, and is waited
// for.
package ticker

import "time"

func Loop(stop <-chan struct{}, done chan<- struct{}, tick func()) {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	defer close(done)
	for {
		select {
		case <-t.C:
			tick()
		case <-stop:
			return
		}
	}
}

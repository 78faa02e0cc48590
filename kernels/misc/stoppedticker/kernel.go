// Package stoppedticker is a deadlock kernel (communication deadlock: misc).
//
// A goroutine ranges over the channel of a Ticker that was stopped: Stop
// does not close the channel.
package stoppedticker

import "time"

func Poll(stop <-chan struct{}, tick func()) {
	t := time.NewTicker(time.Millisecond)
	go func() {
		<-stop
		t.Stop()
	}()
	go func() {
		for range t.C { // Stop does not close C: blocks for good
			tick()
		}
	}()
}

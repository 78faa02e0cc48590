// Package timeoutleak is a deadlock kernel (communication deadlock: channel).
//
// The caller gives up after a timeout; the worker then blocks forever
// sending its late result (Kubernetes-style leak).
package timeoutleak

import "time"

func Query() (int, bool) {
	ch := make(chan int) // should be buffered: make(chan int, 1)
	go func() {
		time.Sleep(20 * time.Millisecond)
		ch <- 42 // nobody receives after the timeout
	}()
	select {
	case v := <-ch:
		return v, true
	case <-time.After(time.Millisecond):
		return 0, false
	}
}

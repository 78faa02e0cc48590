// Package timeout is a deadlock kernel (correct: a select with a timeout).
//
// A receive bounded by a timer that fires: the goroutine waits, but not
// for good.
package timeout

import "time"

func Await(ch <-chan int, d time.Duration) (int, bool) {
	select {
	case v := <-ch:
		return v, true
	case <-time.After(d):
		return 0, false
	}
}

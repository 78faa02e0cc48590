// Package chansema is a deadlock kernel (communication deadlock: misc).
//
// A channel used as a one-permit semaphore is acquired again by the
// goroutine that holds the permit.
package chansema

type Limiter struct{ sem chan struct{} }

func (l *Limiter) acquire() { l.sem <- struct{}{} }
func (l *Limiter) release() { <-l.sem }

func (l *Limiter) Do(f func()) {
	l.acquire()
	defer l.release()
	f()
}

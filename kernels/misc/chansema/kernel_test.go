package chansema

import "testing"

func TestKernel(t *testing.T) {
	l := &Limiter{sem: make(chan struct{}, 1)}
	l.Do(func() {
		l.Do(func() {}) // the permit is ours already
	})
}

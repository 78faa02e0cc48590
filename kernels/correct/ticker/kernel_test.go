package ticker

import (
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	stop, done := make(chan struct{}), make(chan struct{})
	go Loop(stop, done, func() {})
	time.Sleep(10 * time.Millisecond)
	close(stop)
	<-done
}

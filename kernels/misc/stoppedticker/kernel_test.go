package stoppedticker

import (
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	stop := make(chan struct{})
	Poll(stop, func() {})
	time.Sleep(5 * time.Millisecond)
	close(stop)
	time.Sleep(20 * time.Millisecond)
}

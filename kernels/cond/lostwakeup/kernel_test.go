package lostwakeup

import "testing"

func TestKernel(t *testing.T) {
	l := NewLatch()
	l.Open()
	l.Wait()
}

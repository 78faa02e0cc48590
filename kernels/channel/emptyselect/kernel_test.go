package emptyselect

import "testing"

func TestKernel(t *testing.T) {
	done := make(chan struct{})
	Serve(func() { close(done) })
	<-done
}

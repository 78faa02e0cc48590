package nil

import "testing"

func TestKernel(t *testing.T) {
	s := &Server{}
	done := make(chan struct{})
	go func() { s.Emit("start"); close(done) }()
	<-done
}

package selfsend

import "testing"

func TestKernel(t *testing.T) {
	a := &Actor{inbox: make(chan string)}
	done := make(chan struct{})
	go func() { a.Loop(); close(done) }()
	a.inbox <- "ping"
	<-done
}

package actor

import "testing"

func TestKernel(t *testing.T) {
	reqs := make(chan request)
	done := make(chan struct{})
	go func() { Actor(reqs); close(done) }()
	for i := 1; i <= 3; i++ {
		reply := make(chan int)
		reqs <- request{i, reply}
		<-reply
	}
	close(reqs)
	<-done
}

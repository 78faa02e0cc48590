// Package circular is a deadlock kernel (communication deadlock: channel).
//
// Two goroutines each wait to receive from the other before sending.
package circular

func run() {
	ping, pong := make(chan int), make(chan int)
	done := make(chan struct{})
	go func() {
		v := <-pong // waits for the other side first
		ping <- v
		close(done)
	}()
	v := <-ping // and so does this side
	pong <- v
	<-done
}

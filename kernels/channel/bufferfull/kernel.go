// Package bufferfull is a deadlock kernel (communication deadlock: channel).
//
// A bounded queue fills up after its only consumer stopped on an error;
// the producer blocks for good.
package bufferfull

func consume(q <-chan int, done chan<- struct{}) {
	for v := range q {
		if v == 2 {
			break // stops consuming
		}
	}
	close(done)
}

func run() {
	q := make(chan int, 2)
	done := make(chan struct{})
	go consume(q, done)
	for i := 0; i < 10; i++ {
		q <- i // blocks once the queue is full
	}
	<-done
}

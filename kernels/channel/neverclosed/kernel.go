// Package neverclosed is a deadlock kernel (communication deadlock: channel).
//
// The consumer ranges over a channel the producer forgets to close.
package neverclosed

func produce(out chan<- int) {
	for i := 0; i < 3; i++ {
		out <- i
	}
	// forgot close(out)
}

func Sum() int {
	ch := make(chan int)
	go produce(ch)
	sum := 0
	for v := range ch { // waits for a fourth value forever
		sum += v
	}
	return sum
}

// Package pipeline is a deadlock kernel (correct: a pipeline that closes its channels).
//
// Three stages connected by channels, each closing its output when its
// input is closed.
package pipeline

func gen(n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			out <- i
		}
	}()
	return out
}

func sq(in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for v := range in {
			out <- v * v
		}
	}()
	return out
}

func Sum(n int) int {
	s := 0
	for v := range sq(gen(n)) {
		s += v
	}
	return s
}

// Package pipeline is a deadlock kernel (communication deadlock: channel).
//
// A pipeline stage returns on a bad item without draining its input; the
// stage before it blocks for good.
package pipeline

import "errors"

func parse(in <-chan string, out chan<- int) error {
	defer close(out)
	for s := range in {
		if s == "" {
			return errors.New("empty item") // stops reading in
		}
		out <- len(s)
	}
	return nil
}

func generate(items []string, out chan<- string) {
	for _, s := range items {
		out <- s // blocks after parse returned
	}
	close(out)
}

func Run(items []string) int {
	in, out := make(chan string), make(chan int)
	go generate(items, in)
	go parse(in, out)
	n := 0
	for v := range out {
		n += v
	}
	return n
}

// Command orphan ranges over a channel that its producer, done, never
// closes: the consumer waits for good, with no cycle.
package main

import (
	"example.com/frozen/internal/harness"
)

// Feed hands updates to one consumer.
type Feed struct {
	updates chan int
	total   int
}

func (f *Feed) run() {
	for v := range f.updates {
		f.total += v
	}
}

func (f *Feed) publish(v int) {
	f.updates <- v
}

// Close ends the feed; nobody calls it.
func (f *Feed) Close() {
	close(f.updates)
}

func produce(f *Feed) {
	for i := range 3 {
		f.publish(i)
	}
}

func main() {
	f := &Feed{updates: make(chan int)}
	go f.run()
	go produce(f)
	harness.Wait()
}

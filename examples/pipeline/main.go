// Pipeline is the article's data-pipeline inversion. A batcher holds the
// batch mutex while it processes data and makes a (slow) network call, then
// takes the registry's lock to publish the results; a reader takes the
// registry's lock and then the batch mutex to report progress. Under load
// the two interleave and deadlock. gridlock sees the inversion in one
// ordinary run, with no hang.
//
// The fix enforces one global order, registry before batch, declared with
// gridlock.Level so that every future violation is reported at once.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/sync"
)

// Registry holds published results.
type Registry struct {
	mu      sync.RWMutex
	results map[string]int
}

// Pipeline batches records before publishing them.
type Pipeline struct {
	mu       sync.Mutex // guards batch
	batch    []int
	registry *Registry
}

func newPipeline(fixed bool) *Pipeline {
	p := &Pipeline{registry: &Registry{results: map[string]int{}}}
	if fixed {
		// The rule, codified: the registry (level 10) is always taken
		// before a pipeline's batch (level 20).
		gridlock.Name(&p.registry.mu, "registry")
		gridlock.Level(&p.registry.mu, 10)
		gridlock.Name(&p.mu, "batch")
		gridlock.Level(&p.mu, 20)
	}
	return p
}

func networkCall() { time.Sleep(time.Millisecond) }

// Flush processes the batch, calls the network, then publishes: batch,
// then registry. The bug.
func (p *Pipeline) Flush() {
	p.mu.Lock() // take the batch
	defer p.mu.Unlock()
	sum := 0
	for _, v := range p.batch {
		sum += v
	}
	networkCall()
	p.registry.mu.Lock() // then the registry
	p.registry.results["sum"] = sum
	p.registry.mu.Unlock()
	p.batch = p.batch[:0]
}

// FlushOrdered takes the registry first, as the declared order says. The
// fix.
func (p *Pipeline) FlushOrdered() {
	p.registry.mu.Lock()
	defer p.registry.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	sum := 0
	for _, v := range p.batch {
		sum += v
	}
	networkCall()
	p.registry.results["sum"] = sum
	p.batch = p.batch[:0]
}

// Progress reports the published sum and the pending batch: registry,
// then batch.
func (p *Pipeline) Progress() (int, int) {
	p.registry.mu.RLock() // take the registry
	defer p.registry.mu.RUnlock()
	p.mu.Lock() // then the batch
	defer p.mu.Unlock()
	return p.registry.results["sum"], len(p.batch)
}

func run(fixed bool) (int, int) {
	p := newPipeline(fixed)
	p.batch = append(p.batch, 1, 2, 3)
	done := make(chan bool)
	go func() {
		if fixed {
			p.FlushOrdered()
		} else {
			p.Flush()
		}
		close(done)
	}()
	<-done // one after the other: no hang, yet the inversion is seen
	return p.Progress()
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	sum, pending := run(*fixed)
	fmt.Printf("published %d, %d pending\n", sum, pending)
}

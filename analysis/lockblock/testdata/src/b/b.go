// Package b uses package c under its locks: cross-package facts.
package b

import (
	"sync"

	"c"
)

type Pool struct {
	mu sync.Mutex
	q  *c.Queue
}

func (p *Pool) Put(v int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.q.Put(v) // want `p.mu held across a call that may block: \(\*c.Queue\).Put → \(\*c.Queue\).put → sends on q.ch at c.go:\d+`
}

func (p *Pool) Retry() {
	p.mu.Lock()
	c.Backoff(3) // want `p.mu held across a call that may block: c.Backoff → sleeps`
	p.mu.Unlock()
}

func (p *Pool) TryPut(v int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.q.TryPut(v)
}

func (p *Pool) Map(items []int) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return c.Map(items, func(i int) int { return i * 2 })
}

func (p *Pool) Collect() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return c.Collect(3)
}

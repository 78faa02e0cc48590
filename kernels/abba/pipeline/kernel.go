// Package pipeline is a deadlock kernel (article: resource ordering violation).
//
// The article's data pipeline: one task locks the batch, then the registry
// to write results; another locks the registry, then the batch.
package pipeline

import "sync"

type Pipeline struct {
	batchMu  sync.Mutex
	batch    []int
	registry sync.RWMutex
	results  map[int]int
}

func (p *Pipeline) Flush() {
	p.batchMu.Lock()
	defer p.batchMu.Unlock()
	p.registry.Lock() // batch, then registry
	for _, v := range p.batch {
		p.results[v] = v * v
	}
	p.registry.Unlock()
	p.batch = p.batch[:0]
}

func (p *Pipeline) Requeue() {
	p.registry.RLock()
	defer p.registry.RUnlock()
	p.batchMu.Lock() // registry, then batch
	for k := range p.results {
		p.batch = append(p.batch, k)
	}
	p.batchMu.Unlock()
}

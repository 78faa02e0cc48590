// Package adtech is a deadlock kernel (article: bounded channel and a lock held while sending).
//
// The article's bidding engine: the budget writer sends on a full bounded
// channel with the budget lock held; the channel's consumer needs the
// budget lock. The consumer takes one event, then waits for the lock that
// the writer, first in line for it, holds while it waits for room.
package adtech

import (
	"sync"
	"time"
)

type Engine struct {
	budgetMu sync.Mutex
	budget   int
	events   chan int
}

func (e *Engine) Spend(n int) {
	e.budgetMu.Lock()
	defer e.budgetMu.Unlock()
	e.budget -= n
	e.events <- n // the bounded channel is full: waits for the consumer
}

func (e *Engine) Consume() {
	for range e.events {
		e.budgetMu.Lock() // held by Spend
		_ = e.budget
		e.budgetMu.Unlock()
	}
}

func run() {
	e := &Engine{budget: 100, events: make(chan int, 1)}
	e.events <- 0 // the channel is full
	e.budgetMu.Lock()
	go e.Spend(1) // first in line for the budget lock
	time.Sleep(20 * time.Millisecond)
	go e.Consume() // takes event 0, then queues for the budget lock
	time.Sleep(20 * time.Millisecond)
	e.events <- 1       // the channel is full again
	e.budgetMu.Unlock() // Spend takes the lock and sends on the full channel
	select {}
}

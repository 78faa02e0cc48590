// Adtech is the article's real-time bidding engine. The bidder updates the
// budget under the engine's lock and, still holding it, publishes an event
// on a bounded channel; the consumer of that channel needs the same lock
// to record each event. When the channel fills up, the bidder waits for
// the consumer, which waits for the bidder's lock: a deadlock that only
// shows under load. gridlock reports it as soon as it forms, naming both
// goroutines, the lock, the channel and where each waits, and warns the
// first time the lock is held across the blocking send.
//
// The fix (-fixed) is the article's actor: one goroutine owns the state
// and receives bids on a channel; no lock is needed at all.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/sync"
)

// Bid is a bid on an ad slot.
type Bid struct{ Price int }

// Engine is the shared-state version: a lock guards the budget and the
// statistics, and events go to a consumer.
type Engine struct {
	mu     sync.Mutex
	budget int
	stats  map[string]int
	events *gridlock.Chan[Bid]
}

// NewEngine starts the event consumer.
func NewEngine(budget, queue int) *Engine {
	e := &Engine{budget: budget, stats: map[string]int{}, events: gridlock.NewChan[Bid](queue)}
	gridlock.Go("event-consumer", func() {
		for b := range e.events.All() {
			e.mu.Lock() // records the event under the engine's lock
			e.stats["spent"] += b.Price
			e.mu.Unlock()
		}
	})
	return e
}

// Place charges a bid and publishes it, holding the lock across the send:
// the bug.
func (e *Engine) Place(b Bid) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.budget -= b.Price
	e.events.Send(b) // blocks when the queue is full, lock held
}

// Actor is the message-passing version: one goroutine owns the budget and
// the statistics, bids arrive on a channel.
type Actor struct {
	bids *gridlock.Chan[Bid]
	done chan map[string]int
}

// NewActor starts the owner goroutine.
func NewActor(budget, queue int) *Actor {
	a := &Actor{bids: gridlock.NewChan[Bid](queue), done: make(chan map[string]int, 1)}
	gridlock.Go("bidding-actor", func() {
		stats := map[string]int{}
		for b := range a.bids.All() {
			budget -= b.Price
			stats["spent"] += b.Price
		}
		stats["budget"] = budget
		a.done <- stats
	})
	return a
}

// Place hands the bid to the owner.
func (a *Actor) Place(b Bid) { a.bids.Send(b) }

// Close stops the actor and returns its statistics.
func (a *Actor) Close() map[string]int {
	a.bids.Close()
	return <-a.done
}

// run places bids from several bidders and reports whether all were
// placed within the timeout.
func run(fixed bool, bids int, timeout time.Duration) bool {
	done := make(chan bool)
	if fixed {
		a := NewActor(1000, 4)
		gridlock.Go("bidders", func() {
			for i := range bids {
				a.Place(Bid{Price: i % 7})
			}
			a.Close()
			close(done)
		})
	} else {
		e := NewEngine(1000, 4)
		gridlock.Go("bidders", func() {
			for i := range bids {
				e.Place(Bid{Price: i % 7})
				if i%8 == 0 {
					time.Sleep(time.Millisecond) // load comes in bursts
				}
			}
			close(done)
		})
	}
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version (an actor)")
	flag.Parse()
	if !run(*fixed, 10000, 3*time.Second) {
		fmt.Println("the bidding engine is stuck, as reported above")
		os.Exit(1)
	}
	fmt.Println("all bids placed")
}

// Lostwakeup is a lost wake-up on a condition variable. The loader sets
// the ready flag and signals without taking the lock, and it may do so
// before the consumer starts waiting; the consumer then checks the flag
// (which it may not see yet) and waits for a signal that already
// happened, forever. Nothing else will ever signal: gridlock reports a
// partial deadlock once the wait exceeds the long-wait threshold (set to
// one second here), saying that the only goroutine that ever signalled has
// exited.
//
// The fix (-fixed) changes the flag and signals under the lock, which is
// what makes the consumer's check-then-wait atomic.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/sync"
)

// Config is loaded in the background; Get waits for it.
type Config struct {
	mu    sync.Mutex
	ready sync.Cond
	// loaded is read under mu by the consumer; the buggy loader writes it
	// through an atomic outside mu, which compiles, races in spirit, and
	// loses the wake-up when the consumer checks before the write.
	loaded atomic.Bool
}

func newConfig() *Config {
	c := &Config{}
	c.ready.L = &c.mu
	return c
}

func run(fixed bool, timeout time.Duration) bool {
	c := newConfig()
	checked := make(chan bool)
	loaded := make(chan bool)
	gridlock.Go("loader", func() {
		if fixed {
			c.mu.Lock()
			c.loaded.Store(true)
			c.ready.Signal()
			c.mu.Unlock()
		} else {
			<-checked // the consumer has looked and seen nothing yet
			c.loaded.Store(true)
			c.ready.Signal() // no one waits yet: the signal is lost
		}
		close(loaded)
	})
	done := make(chan bool)
	gridlock.Go("consumer", func() {
		c.mu.Lock()
		first := true
		for !c.loaded.Load() {
			if first && !fixed {
				close(checked)
				<-loaded // (the loader is done by the time we wait)
				first = false
			}
			c.ready.Wait() // waits for a signal that came already
		}
		c.mu.Unlock()
		close(done)
	})
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	gridlock.Configure(gridlock.Config{LongWait: time.Second})
	if !run(*fixed, 3*time.Second) {
		fmt.Println("the consumer is stuck, as reported above")
		os.Exit(1)
	}
	fmt.Println("configuration loaded")
}

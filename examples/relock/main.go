// Relock is the article's re-entrant lock deep in a call chain: Get locks
// the cache and, on a miss, calls refresh, which locks the cache again. Go
// locks are not re-entrant: the goroutine waits for itself forever.
// gridlock reports the recursive lock before the goroutine hangs, with
// where the lock was first taken and where it is taken again.
//
// The fix splits refresh into a variant that expects the lock held.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridlock-go/gridlock/sync"
)

// Cache is a lazily refreshed value.
type Cache struct {
	mu    sync.Mutex
	value string
	fresh bool
}

// Get returns the value, refreshing it first if needed. The bug: refresh
// locks again.
func (c *Cache) Get() string {
	c.mu.Lock() // the first lock
	defer c.mu.Unlock()
	if !c.fresh {
		c.refresh()
	}
	return c.value
}

func (c *Cache) refresh() {
	c.mu.Lock() // relocks: hangs
	defer c.mu.Unlock()
	c.refreshLocked()
}

// GetFixed calls the variant that expects the lock held. The fix.
func (c *Cache) GetFixed() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fresh {
		c.refreshLocked()
	}
	return c.value
}

// refreshLocked refreshes the value; c.mu must be held.
func (c *Cache) refreshLocked() {
	c.value = "fresh at " + time.Now().Format(time.TimeOnly)
	c.fresh = true
}

// run calls Get (or GetFixed) and reports whether it returned within the
// timeout.
func run(fixed bool, timeout time.Duration) bool {
	c := &Cache{}
	done := make(chan bool)
	go func() {
		if fixed {
			c.GetFixed()
		} else {
			c.Get()
		}
		close(done)
	}()
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
	if !run(*fixed, time.Second) {
		fmt.Println("Get is stuck on itself, as reported above")
		os.Exit(1)
	}
	fmt.Println("Get returned")
}

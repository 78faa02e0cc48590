package a

import (
	"context"
	"sync"
	"time"
)

type Conn struct {
	mu      sync.Mutex
	replies chan string
	pending map[int]string
	closed  bool
	ticks   chan int
}

// deliver is the only sender on replies, and it sends with c.mu held.
func (c *Conn) deliver(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replies <- c.pending[id]
}

// Caught: waiting for a reply while holding the lock the sender needs.
func (c *Conn) Call(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select { // want `select-same-lock: select waits on c.replies while holding c.mu, but every send on it happens with a.Conn.mu held`
	case r := <-c.replies:
		return r, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// The channel of a case is computed by a call that takes the held lock.
func (c *Conn) tickChan() chan int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ticks
}

func (c *Conn) Tick(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select { // want `select-same-lock: select case calls \(\*a.Conn\).tickChan, which locks c.mu, already held`
	case <-c.tickChan():
	case <-ctx.Done():
	}
}

// Silent: the lock is released before the select.
func (c *Conn) CallFixed(ctx context.Context) (string, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return "", context.Canceled
	}
	select {
	case r := <-c.replies:
		return r, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Silent: a select with default never waits.
func (c *Conn) Poll() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case r := <-c.replies:
		return r, true
	default:
		return "", false
	}
}

type Ticker struct {
	mu sync.Mutex
	ch chan int
	n  int
}

// The sender does not hold t.mu: a plain select under a lock, lockblock's
// business, not a trap.
func (t *Ticker) run() {
	for {
		t.ch <- 1
		time.Sleep(time.Millisecond)
	}
}

func (t *Ticker) Next(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case v := <-t.ch:
		t.n += v
	case <-ctx.Done():
	}
}

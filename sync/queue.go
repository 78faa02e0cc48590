//go:build !gridlock_off

package sync

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridlock-go/gridlock/internal/engine"
)

// Messages to a parked waiter.
const (
	msgWoken   uint8 = iota + 1 // the lock was released: compete for it again
	msgHandoff                  // the lock is yours
)

// waiter is a parked goroutine in a lock's queue.
type waiter struct {
	ch         chan uint8
	prev, next *waiter
	queued     bool
	starving   bool
	write      bool // RWMutex: waiting to write
	bubbled    bool // ch was made in a testing/synctest bubble: never pooled
	start      time.Time
}

// Waiters are pooled with their channels, and a channel made in a
// testing/synctest bubble belongs to it: any operation on it from outside
// the bubble (another bubble, or none) is a fatal error. So only waiters
// whose channel was made outside any bubble are pooled, and a goroutine in
// a bubble uses them, or a fresh waiter of its own bubble that is dropped
// after use:
//
//   - a Mutex or RWMutex waiter prefers a channel from outside the bubble:
//     as with the standard library, a goroutine waiting for a lock is not
//     durably blocked, and the lock may be released from outside the
//     bubble;
//   - a WaitGroup or Cond waiter in a bubble always parks on a channel of
//     its bubble: as with the standard library, it is durably blocked, so
//     that the bubble's clock advances and synctest.Wait returns.
var (
	waiters sync.Pool // of *waiter made outside any bubble

	// spare holds a few waiters made outside any bubble for goroutines
	// in a bubble, whose pool (per P) is often empty: the pool is filled
	// only by goroutines outside bubbles.
	spareMu sync.Mutex
	spare   []*waiter
	// spareN is len(spare), written under spareMu: putWaiter reads it
	// first, and takes spareMu only when spare has room.
	spareN atomic.Int32
)

const maxSpare = 64

// getWaiter returns a waiter for a lock, on a channel from outside any
// bubble if one is at hand.
func getWaiter() *waiter {
	now := time.Now()
	if w, _ := waiters.Get().(*waiter); w != nil {
		w.start = now
		return w
	}
	bubbled := engine.InBubble(now)
	if bubbled {
		spareMu.Lock()
		if n := len(spare); n > 0 {
			w := spare[n-1]
			spare[n-1] = nil
			spare = spare[:n-1]
			spareN.Store(int32(n - 1))
			spareMu.Unlock()
			w.start = now
			return w
		}
		spareMu.Unlock()
	}
	return &waiter{ch: make(chan uint8, 1), bubbled: bubbled, start: now}
}

// getDurableWaiter returns a waiter for a WaitGroup or a Cond: in a
// bubble, a fresh one on a channel of the bubble.
func getDurableWaiter() *waiter {
	now := time.Now()
	if engine.InBubble(now) {
		return &waiter{ch: make(chan uint8, 1), bubbled: true, start: now}
	}
	if w, _ := waiters.Get().(*waiter); w != nil {
		w.start = now
		return w
	}
	return &waiter{ch: make(chan uint8, 1), start: now}
}

// durableWaiterFor is getDurableWaiter for the goroutine whose engine
// state is g (nil with the engine off): g knows whether it runs in a
// bubble, and a durable waiter needs no start time (it never starves),
// so it reads no clock.
func durableWaiterFor(g *engine.G) *waiter {
	if g == nil {
		return getDurableWaiter()
	}
	if g.Bubbled() {
		return &waiter{ch: make(chan uint8, 1), bubbled: true}
	}
	if w, _ := waiters.Get().(*waiter); w != nil {
		return w
	}
	return &waiter{ch: make(chan uint8, 1)}
}

// putWaiter returns w to the pool, unless a panic (strict mode, from a
// re-check) left it in a queue: then it stays with the queue.
func putWaiter(w *waiter) {
	if w.queued || w.bubbled {
		return
	}
	select {
	case <-w.ch: // a wake-up nobody read: do not hand it to the next user
		return
	default:
	}
	*w = waiter{ch: w.ch}
	if spareN.Load() < maxSpare {
		spareMu.Lock()
		if len(spare) < maxSpare {
			spare = append(spare, w)
			spareN.Store(int32(len(spare)))
			spareMu.Unlock()
			return
		}
		spareMu.Unlock()
	}
	waiters.Put(w)
}

// waitq is the queue of a lock's parked waiters and the lock that guards
// the lock's slow path.
type waitq struct {
	mu         sync.Mutex
	head, tail *waiter
	n          int
}

func (q *waitq) push(w *waiter, front bool) {
	w.queued = true
	q.n++
	if q.head == nil {
		q.head, q.tail = w, w
		return
	}
	if front {
		w.next = q.head
		q.head.prev = w
		q.head = w
		return
	}
	w.prev = q.tail
	q.tail.next = w
	q.tail = w
}

func (q *waitq) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next, w.queued = nil, nil, false
	q.n--
}

func (q *waitq) pop() *waiter {
	w := q.head
	if w != nil {
		q.remove(w)
	}
	return w
}

// park waits for a message for w, registering the wait with the detector
// if it lasts; once registered, wt.C is nil and the waiter is parked on its
// wake-up alone. It returns false if done was closed first.
func park(w *waiter, wt *engine.Wait, done <-chan struct{}) (uint8, bool) {
	if done == nil && wt.C() == nil {
		// A poked wait, or none: w.ch alone, which receives Poke when
		// the wait is to register. A receive, not a select: a select's
		// frames would make a small goroutine stack grow.
		for {
			msg := <-w.ch
			if msg != engine.Poke {
				return msg, true
			}
			wt.Tick()
		}
	}
	for {
		select {
		case msg := <-w.ch:
			return msg, true
		case <-wt.C():
			wt.Tick()
		case <-done:
			return 0, false
		}
	}
}

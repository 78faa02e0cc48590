//go:build !gridlock_off

package sync

import (
	"sync"
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
	start      time.Time
}

var waiters = sync.Pool{New: func() any { return &waiter{ch: make(chan uint8, 1)} }}

func getWaiter() *waiter {
	w := waiters.Get().(*waiter)
	w.start = time.Now()
	return w
}

// putWaiter returns w to the pool, unless a panic (strict mode, from a
// re-check) left it in a queue: then it stays with the queue.
func putWaiter(w *waiter) {
	if w.queued {
		return
	}
	select {
	case <-w.ch: // a wake-up nobody read: do not hand it to the next user
		return
	default:
	}
	*w = waiter{ch: w.ch}
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

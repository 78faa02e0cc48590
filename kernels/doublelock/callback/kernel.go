// Package callback is a deadlock kernel (resource deadlock: double locking).
//
// Bus.Publish calls subscribers with its lock held; a subscriber
// unsubscribes, which takes the lock again.
package callback

import "sync"

type Bus struct {
	mu   sync.Mutex
	subs map[int]func()
}

func (b *Bus) Subscribe(id int, f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[id] = f
}

func (b *Bus) Unsubscribe(id int) {
	b.mu.Lock() // reached from Publish, which holds the lock
	defer b.mu.Unlock()
	delete(b.subs, id)
}

func (b *Bus) Publish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, f := range b.subs {
		f()
	}
}

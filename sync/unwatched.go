//go:build !gridlock_off

package sync

import "sync"

// WaitGroup is the standard library's sync.WaitGroup. It is not watched yet.
type WaitGroup = sync.WaitGroup

// Cond is the standard library's sync.Cond; its Locker may be a watched
// Mutex or RWMutex. It is not watched yet.
type Cond = sync.Cond

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return sync.NewCond(l) }

// Once is the standard library's sync.Once. It is not watched yet.
type Once = sync.Once

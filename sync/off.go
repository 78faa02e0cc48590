//go:build gridlock_off

package sync

import "sync"

// Mutex is the standard library's sync.Mutex (built with gridlock_off).
type Mutex = sync.Mutex

// RWMutex is the standard library's sync.RWMutex (built with gridlock_off).
type RWMutex = sync.RWMutex

// WaitGroup is the standard library's sync.WaitGroup.
type WaitGroup = sync.WaitGroup

// Cond is the standard library's sync.Cond.
type Cond = sync.Cond

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return sync.NewCond(l) }

// Once is the standard library's sync.Once.
type Once = sync.Once

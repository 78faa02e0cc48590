package sync

import "sync"

// Locker represents an object that can be locked and unlocked.
type Locker = sync.Locker

// Map is the standard library's sync.Map.
type Map = sync.Map

// Pool is the standard library's sync.Pool.
type Pool = sync.Pool

// OnceFunc returns a function that invokes f only once; see sync.OnceFunc.
func OnceFunc(f func()) func() { return sync.OnceFunc(f) }

// OnceValue returns a function that invokes f only once and returns the
// value returned by f; see sync.OnceValue.
func OnceValue[T any](f func() T) func() T { return sync.OnceValue(f) }

// OnceValues returns a function that invokes f only once and returns the
// values returned by f; see sync.OnceValues.
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) { return sync.OnceValues(f) }

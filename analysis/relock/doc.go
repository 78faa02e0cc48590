// Package relock defines an Analyzer that reports recursive locking.
//
// # Analyzer relock
//
// relock: report a lock taken again by the goroutine that holds it
//
// Go's locks are not re-entrant: a goroutine that locks a sync.Mutex it
// already holds waits for itself forever. The pass reports a Lock or RLock
// of a lock held on every path that reaches it, whether the second
// acquisition is in the same function or in a function it calls, directly
// or through a chain of calls, in the same package or another (through
// analysis facts), on the same receiver. The message shows the chain.
//
// Read-locking an RWMutex twice (recursive-rlock) is reported too: it
// works until a writer queues between the two RLocks, and then deadlocks.
//
// TryLock is not reported, nor are two locks of the same class on
// different objects (lockorder's business), nor a select case whose
// channel comes from such a call (selectlock reports it).
//
// The findings' kinds are recursive-lock and recursive-rlock.
package relock

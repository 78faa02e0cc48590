// Package report defines gridlock's findings, the one catalog of finding
// kinds shared by the runtime engine, the static analyzers and the dump
// analyzer, and the renderers that show findings: text in the spirit of the
// Linux kernel's lockdep reports, JSON, DOT and Mermaid.
package report

import "slices"

// Kind names a kind of finding. Each kind has a page in docs/findings.
type Kind string

// The kinds of findings.
const (
	// Deadlock: goroutines in a circular wait, each needing what another in
	// the set holds or must do.
	Deadlock Kind = "deadlock"
	// PartialDeadlock: goroutines blocked for good without a circular wait:
	// nothing live can ever release them.
	PartialDeadlock Kind = "partial-deadlock"
	// LockOrderInversion: two or more locks taken in orders that form a
	// cycle; a potential deadlock seen without a hang.
	LockOrderInversion Kind = "lock-order-inversion"
	// HierarchyViolation: a lock taken while a lock of an equal or higher
	// declared level is held.
	HierarchyViolation Kind = "hierarchy-violation"
	// RecursiveLock: a goroutine locking a lock it already holds.
	RecursiveLock Kind = "recursive-lock"
	// RecursiveRLock: a goroutine read-locking an RWMutex it already
	// read-holds; it deadlocks as soon as a writer waits in between.
	RecursiveRLock Kind = "recursive-rlock"
	// LockHeldAcrossBlocking: a lock held while blocking on a channel, a
	// wait group, a condition, a semaphore, a sleep or I/O.
	LockHeldAcrossBlocking Kind = "lock-held-across-blocking"
	// LongWait: a wait longer than the configured threshold.
	LongWait Kind = "long-wait"
	// LockLeak: a lock not released on some path, or still held by a
	// goroutine that has ended.
	LockLeak Kind = "lock-leak"
	// SemaphoreHoldAndWait: a goroutine waiting for semaphore permits while
	// holding permits of the same semaphore.
	SemaphoreHoldAndWait Kind = "semaphore-hold-and-wait"
	// SelectSameLock: a select whose blocking cases need a lock the goroutine
	// holds.
	SelectSameLock Kind = "select-same-lock"
	// LockContention: goroutines queue on a lock whose holder is still
	// going (running, in I/O, asleep): slow, not stuck.
	LockContention Kind = "lock-contention"
	// Busy: a goroutine running the program's code while the rest waits on
	// it: a loop that never blocks, or a runaway recursion.
	Busy Kind = "busy"
)

// Info describes a kind of finding.
type Info struct {
	Kind  Kind
	Title string // a short title, e.g. "possible circular locking dependency"
	Hint  string // the usual fix
}

var catalog = []Info{
	{Deadlock, "goroutines deadlocked in a circular wait",
		"break the cycle: take locks in one global order, release a lock before blocking on a channel or wait group, or give one side a timeout (LockContext, a select with ctx.Done())"},
	{PartialDeadlock, "goroutines blocked for good",
		"make sure a live goroutine can still release the waiters: close or drain the channel, call Done on every path (defer wg.Done()), Signal after changing the condition under its lock"},
	{LockOrderInversion, "possible circular locking dependency",
		"take these locks in one global order everywhere (declare it with gridlock.Level), or never hold one while taking the other"},
	{HierarchyViolation, "lock hierarchy violated",
		"take locks in increasing level order; release the higher-level lock first, or fix the declared levels if the order is intended"},
	{RecursiveLock, "recursive locking: a goroutine locks what it already holds",
		"Go locks are not re-entrant: pass the locked state down instead of relocking (split into a locked and an unlocked variant, e.g. fooLocked)"},
	{RecursiveRLock, "recursive read locking",
		"do not RLock an RWMutex you already read-hold: a writer waiting in between blocks the second RLock forever; pass the locked state down instead"},
	{LockHeldAcrossBlocking, "lock held across a blocking operation",
		"release the lock before blocking: copy what you need under the lock, unlock, then send, wait or do I/O"},
	{LongWait, "long wait",
		"find what the holder is waiting for; bound the wait with LockContext or a context deadline so that a freeze becomes an error"},
	{LockLeak, "lock not released",
		"release the lock on every path, usually with defer mu.Unlock() right after Lock"},
	{SemaphoreHoldAndWait, "semaphore hold and wait",
		"acquire all the permits a task needs at once, or release what you hold before waiting for more"},
	{SelectSameLock, "select needs a lock the goroutine holds",
		"take the lock after the select, or make the select's cases independent of the lock"},
	{LockContention, "lock contention: slow, not stuck",
		"shorten the critical section: do the I/O, the sleep or the long computation before taking the lock or after releasing it, or split the lock"},
	{Busy, "goroutine busy: running while others wait",
		"take a second dump: a goroutine at the same place in both is looping; make the loop block or yield (a channel, a ticker, a context check), or bound the recursion"},
}

// Catalog returns the description of every kind of finding.
func Catalog() []Info { return slices.Clone(catalog) }

// Info returns the description of k; the zero Info if k is unknown.
func (k Kind) Info() Info {
	for _, i := range catalog {
		if i.Kind == k {
			return i
		}
	}
	return Info{Kind: k, Title: string(k)}
}

// Known reports whether k is in the catalog.
func (k Kind) Known() bool { return k.Info().Hint != "" }

// DocURL is the base of the finding pages.
const DocURL = "https://github.com/gridlock-go/gridlock/blob/main/docs/findings/"

// Doc returns the URL of k's page in docs/findings.
func (k Kind) Doc() string { return DocURL + string(k) + ".md" }

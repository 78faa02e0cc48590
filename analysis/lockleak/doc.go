// Package lockleak defines an Analyzer that reports locks not released on
// some path out of a function.
//
// # Analyzer lockleak
//
// lockleak: report a lock not released on some path
//
// A function that takes a lock and releases it on most paths but returns
// without releasing it on another (usually an early return on an error)
// leaves the lock held for good: the next goroutine that needs it hangs.
// The pass reports such a Lock or RLock, with the path that leaks it, and
// offers a fix that releases the lock before the leaking return.
//
// A path that ends in a panic, os.Exit, log.Fatal or t.Fatal does not
// count, nor does a lock released by a deferred call (including a
// deferred function literal that releases it on some path) or by a call
// that may release it. A function that never releases a lock it takes is
// taken to hand it to its caller on purpose (a lock helper) and is not
// reported; so is a function whose doc comment says so with
// //gridlock:acquires <lock> or gVisor's // +checklocksacquire:<lock>.
//
// The finding's kind is lock-leak.
package lockleak

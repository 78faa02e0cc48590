// Package sync is a drop-in mirror of the standard library's sync package
// whose locks are watched by gridlock's deadlock detector.
//
// Change one import line,
//
//	import sync "github.com/gridlock-go/gridlock/sync"
//
// (or none: gridlock test and gridlock run rewrite imports in an overlay),
// and every Mutex and RWMutex reports, as it happens:
//
//   - a lock-order inversion (a potential deadlock, found without a hang),
//   - a violation of the lock hierarchy declared with gridlock.Level,
//   - a recursive lock, before the goroutine hangs on itself,
//   - an actual deadlock among goroutines waiting on these locks, within a
//     second of forming, naming who holds what and waits for what, where,
//   - a wait longer than the long-wait threshold.
//
// The package has the whole exported API of the standard sync package with
// the same method sets. Types it does not watch yet are the standard types.
// Zero values are ready to use, and go vet's copylocks check flags copies
// as it does for the standard types.
//
// The environment variable GRIDLOCK=off turns detection off at run time;
// the build tag gridlock_off compiles the package down to the standard
// types.
package sync

// Package lockblock defines an Analyzer that reports locks held across
// blocking operations.
//
// # Analyzer lockblock
//
// lockblock: report a lock held across a blocking operation
//
// A goroutine that blocks while it holds a sync.Mutex or sync.RWMutex (or
// gridlock's) makes every goroutine that needs the lock wait for whatever
// it waits for; when that is, directly or not, one of those goroutines,
// the program deadlocks. The pass reports, while a lock is held on every
// path that reaches it:
//
//   - a channel send or receive, including range over a channel;
//   - a select without a default case;
//   - sync.WaitGroup.Wait, time.Sleep, a semaphore acquire, network and
//     file I/O, an HTTP request, waiting for a process;
//   - sync.Cond.Wait while a lock other than the Cond's own is held;
//   - a call of a function that may do any of these, in the same package
//     or another one, with the chain of calls that leads to it.
//
// It stays silent on a select with a default case, a goroutine started
// under a lock, a Cond.Wait that holds only its own lock, and a send on a
// channel made in the same function with a buffer large enough for every
// send made on it. A function that waits only on channels it made and
// wait groups it declared (a fork-join helper) does not count as blocking
// for its callers. Printing and logging are not considered blocking.
//
// The finding's kind is lock-held-across-blocking; suppress one with
// //gridlock:ignore lock-held-across-blocking <reason>.
package lockblock

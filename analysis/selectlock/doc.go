// Package selectlock defines an Analyzer that reports a select whose
// cases need a lock the goroutine holds.
//
// # Analyzer selectlock
//
// selectlock: report a select that waits for what only the lock holder can give
//
// The article's select trap: a goroutine that holds a lock and waits in a
// select whose case can only fire once some goroutine takes that same lock
// waits for itself. In Go, the pass reports a select without default,
// with a lock held on every path to it, when
//
//   - a case's channel is computed by a call that takes the held lock
//     (Go evaluates every case's channel before it waits, so the select
//     never even starts); or
//   - a case waits on a channel (a struct field or package variable)
//     whose every counterpart operation in the package, the sends for a
//     receiving case, happens with a lock of the same class held: that
//     case cannot fire while the lock is held.
//
// Other selects under a lock are lockblock's business, and a select with
// a default case never waits.
//
// The finding's kind is select-same-lock.
package selectlock

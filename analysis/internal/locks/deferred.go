package locks

import "slices"

// Deferred reports whether the release of the lock with key k is deferred
// on every path to the state: a deferred call releases it on return.
func (s *State) Deferred(k string) bool { return slices.Contains(s.deferred, k) }

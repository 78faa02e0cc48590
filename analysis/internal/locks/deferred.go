package locks

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Deferred reports whether the release of the lock with key k is deferred
// on every path to the state: a deferred call releases it on return.
func (s *State) Deferred(k string) bool { return slices.Contains(s.deferred, k) }

// Root returns the value of fn that the key of a reference is rooted at:
// the local value of "l3.mu", the parameter of "p0.mu", the free variable
// of "f1.*.mu"; nil for a package variable or an unknown key.
func (r *Result) Root(fn *ssa.Function, key string) ssa.Value {
	root, _, _ := strings.Cut(key, ".")
	if len(root) < 2 {
		return nil
	}
	n, err := strconv.Atoi(root[1:])
	if err != nil {
		return nil
	}
	switch root[0] {
	case 'p':
		if n < len(fn.Params) {
			return fn.Params[n]
		}
	case 'f':
		if n < len(fn.FreeVars) {
			return fn.FreeVars[n]
		}
	case 'l':
		r.a.mu.Lock()
		defer r.a.mu.Unlock()
		for v, i := range r.a.flow(fn).refs.local {
			if i == n {
				return v
			}
		}
	}
	return nil
}

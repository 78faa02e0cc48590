//go:build go1.25

package engine

import "weak"

// wbase is the weak pointer to the start of an object that a weakIn
// holds. From Go 1.25 on it is a weak.Pointer (see weak_go124.go for Go
// 1.24).
type wbase = weak.Pointer[byte]

// makeWbase returns a weak pointer to b, the start of an object or a global.
func makeWbase(b *byte) wbase { return weak.Make(b) }

// Package b takes package c's lock through its helpers: cross-package facts.
package b

import "c"

func First(t *c.Table) int {
	t.Lock() // want `lock-leak: t.mu \(taken by \(\*c.Table\).Lock\) is not released on the path to the return at b.go:9`
	if t.Len() == 0 {
		return -1
	}
	n := t.Len()
	t.Unlock()
	return n
}

func Fine(t *c.Table) int {
	t.Lock()
	defer t.Unlock()
	return t.Len()
}

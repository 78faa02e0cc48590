// Package sequential is a deadlock kernel (resource deadlock: AB-BA).
//
// The two orders are taken one after the other, so nothing hangs in this
// run; under load they would.
package sequential

import "sync"

type Node struct {
	mu   sync.Mutex
	name string
}

func link(a, b *Node) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	a.name, b.name = a.name+"->"+b.name, b.name+"<-"+a.name
}

// Package registry is a deadlock kernel (resource deadlock: AB-BA).
//
// A registry lock and an object lock, taken in one order by Register and
// in the other by the object's Close callback (Kubernetes-style).
package registry

import "sync"

type Registry struct {
	mu   sync.Mutex
	objs map[*Object]bool
}

type Object struct {
	mu     sync.Mutex
	reg    *Registry
	closed bool
}

func (r *Registry) Register(o *Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o.mu.Lock() // registry, then object
	o.reg = r
	o.mu.Unlock()
	r.objs[o] = true
}

func (o *Object) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	o.reg.mu.Lock() // object, then registry
	delete(o.reg.objs, o)
	o.reg.mu.Unlock()
}

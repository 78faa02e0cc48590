package engine

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// RefOf returns the engine record of a lock of the mirror package, or nil
// if l is not one. The mirror sets it at init; it is nil when the mirror is
// built with gridlock_off.
var RefOf func(l any) LockInfo

// LockInfo is what RefOf returns.
type LockInfo struct {
	Ref     *Ref
	Kind    waitgraph.ResourceKind
	Readers *atomic.Uint64 // an RWMutex's state word
}

// Declaration is what the program declares about a lock's class.
type Declaration struct {
	Name     string // class name; "" keeps the current one
	Level    int    // hierarchy level; 0 keeps the current one
	Nestable bool   // locks of the class may nest in a consistent order
}

// Declare applies d to the lock l (a *sync.Mutex or *sync.RWMutex of the
// mirror), called from call site pc. It reports false if l is not a
// watched lock.
func Declare(l any, d Declaration, pc uintptr) bool {
	if RefOf == nil {
		return false
	}
	li := RefOf(l)
	if li.Ref == nil {
		return false
	}
	kind := li.Kind
	Enabled()
	lk := li.Ref.Lock(kind, pc, li.Readers)
	e.mu.Lock()
	defer e.mu.Unlock()
	c := lk.class
	switch {
	case d.Name != "":
		c = e.classes[d.Name]
		if c == nil {
			c = &Class{id: e.nextID.Add(1), name: d.Name, kind: kind, site: pc, writer: new(atomic.Bool)}
			e.classes[d.Name] = c
		}
	case c.singleton && (d.Level != 0 || d.Nestable):
		// A level without a name: the class of the declaring call site,
		// like lockdep's static lock keys.
		// Keyed by the symbolized site, since a constructor inlined at
		// several call sites has several pcs for one line.
		name := siteName(pc)
		c = e.siteClasses[name]
		if c == nil {
			c = &Class{id: e.nextID.Add(1), name: name, kind: kind, site: pc, writer: new(atomic.Bool)}
			e.siteClasses[name] = c
		}
	}
	if d.Level != 0 {
		c.level = d.Level
	}
	if d.Nestable {
		c.nestable = true
	}
	if kind == waitgraph.Mutex || lk.class.writer.Load() {
		c.writer.Store(true)
	}
	lk.class = c
	lk.cid, lk.key0 = c.id, chainKey(0, c.id)
	// Chains validated under the old classes or levels are stale.
	e.chains.reset()
	return true
}

// siteName names a class after its declaring call site, e.g.
// "bank.NewAccount:12".
func siteName(pc uintptr) string {
	f := frameOf(pc)
	if f == nil {
		return fmt.Sprintf("class@%#x", pc)
	}
	fn := f.Func
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	return fmt.Sprintf("%s:%d", fn, f.Line)
}

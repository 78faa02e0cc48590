package engine

import (
	"fmt"
	"strings"
	"sync/atomic"
	"unsafe"

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
	Ptr     unsafe.Pointer // the lock value
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
	lk := li.Ref.LockAnchored(kind, pc, li.Readers, li.Ptr)
	e.mu.Lock()
	defer e.mu.Unlock()
	c := lk.class
	switch {
	case d.Name != "":
		c = e.classes[d.Name]
		if c == nil {
			c = &Class{id: e.nextID.Add(1), name: d.Name, explicit: true, kind: kind, site: pc, writer: new(atomic.Bool)}
			e.classes[d.Name] = c
		}
	case (c.singleton || c.decl != nil) && (d.Level != 0 || d.Nestable):
		// A level without a name: the class of the declaring call site,
		// like lockdep's static lock keys, within the lock's declaration
		// class if it has one.
		c = siteClass(c, kind, pc)
	}
	stale := c.chained && (d.Level != 0 && d.Level != c.level || d.Nestable && !c.nestable)
	if d.Level != 0 {
		c.level = d.Level
	}
	if d.Nestable {
		c.nestable = true
	}
	if kind == waitgraph.Mutex || lk.class.writer.Load() {
		c.writer.Store(true)
	}
	if lk.class != c {
		// Chains are keyed by class: the lock's chains from now on are
		// those of its new class, validated under it.
		lk.class = c
		lk.cid, lk.key0 = c.id, chainKey(0, c.id)
	}
	if stale {
		// Chains validated under the old level or nestability are stale.
		// Declarations normally precede the first use of a class, so this
		// is rare.
		e.chains.reset()
		e.pairs.reset()
	}
	return true
}

// siteClass returns the class of the locks given a level at call site pc,
// within declaration class c if c is one. The caller holds e.mu.
func siteClass(c *Class, kind waitgraph.ResourceKind, pc uintptr) *Class {
	k := siteKey{pc: pc}
	if c.decl != nil {
		k.decl = c.id
	}
	if sc := e.sitePCs[k]; sc != nil {
		return sc
	}
	// Keyed by the symbolized site, since a constructor inlined at
	// several call sites has several pcs for one line.
	name := siteName(pc)
	if c.decl != nil {
		name = c.decl.label + "@" + name
	}
	sc := e.siteClasses[name]
	if sc == nil {
		sc = &Class{id: e.nextID.Add(1), name: name, kind: kind, site: pc, decl: c.decl, writer: new(atomic.Bool)}
		if c.decl != nil {
			sc.name = "" // named by its declaration, told apart by its level
		}
		e.siteClasses[name] = sc
	}
	e.sitePCs[k] = sc
	return sc
}

type siteKey struct {
	pc   uintptr
	decl uint64
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

package engine

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gridlock-go/gridlock/waitgraph"
)

// Declaration classes. gridlock test knows, at each call that locks a
// mutex of the code under test (x.mu.Lock(), mu.RLock(), ...), which
// declaration the locked value comes from: a package variable, a struct
// field (the struct, for an embedded mutex), a local variable. It appends
// to each file a call of RegisterSites with a table of those call sites,
// and a lock created by its first acquisition at one of them belongs to
// the class of that declaration, like a lockdep class keyed by the lock's
// static declaration. Locks whose first acquisition is anywhere else (a
// helper taking a *Mutex, a sync.Locker, code that was not rewritten) keep
// a class of their own, so that no two locks of different declarations are
// ever merged.

// A decl is one declaration of a lock.
type decl struct {
	key   string // identity, e.g. "example.com/proxy.Conn.mu"
	label string // the class as findings name it, e.g. "proxy.Conn.mu"
	// inst prefixes an instance's label, e.g. "Conn.mu of *Conn", followed
	// by the address of the container (off ≥ 0: the mutex's address minus
	// off) or of the mutex itself (off < 0); "" if the class has one
	// instance (a package variable), named by label alone.
	inst string
	off  int64
	kind waitgraph.ResourceKind
}

// siteFile is the table of one file: the declaration locked on each line,
// nil where the line locks several declarations.
type siteFile struct {
	raw   []string // tables, decoded on first use
	offs  [][]uintptr
	lines map[int]*decl
}

// sites holds the registered tables and the per-pc cache.
var sites struct {
	mu      sync.Mutex
	files   map[string]*siteFile // "pkgpath\x00base name" → table
	any     atomic.Bool          // some table is registered
	cache   cache                // pc → index in classes + 1, 0 for none
	classes atomic.Pointer[[]*Class]
	byKey   map[string]uint32 // decl key → index in classes
}

// RegisterSites registers the lock sites of the file named file (a base
// name) of the package with import path pkg, in the format gridlock
// test's overlay writes: one site a line, "line kind key label inst off"
// separated by tabs, kind "m" for a Mutex and "rw" for an RWMutex, off
// "#i" for offs[i], the offset of the mutex in the container named by
// inst, or -1 if the instance is named by its own address, or "-" for a
// single instance.
func RegisterSites(pkg, file, table string, offs []uintptr) {
	sites.mu.Lock()
	defer sites.mu.Unlock()
	if sites.files == nil {
		sites.files = make(map[string]*siteFile)
		sites.byKey = make(map[string]uint32)
		sites.cache.init(1<<8, 1<<16)
		sites.classes.Store(new([]*Class))
	}
	k := pkg + "\x00" + file
	f := sites.files[k]
	if f == nil {
		f = new(siteFile)
		sites.files[k] = f
	}
	f.raw = append(f.raw, table)
	f.offs = append(f.offs, offs)
	f.lines = nil
	if sites.any.Swap(true) && sites.cache.t.Load().n > 0 {
		// pcs looked up before may have been resolved to no class.
		sites.cache.reset()
	}
}

// declClass returns the class of the declaration a lock of the given
// kind first acquired at call site pc comes from, or nil.
func declClass(kind waitgraph.ResourceKind, pc uintptr) *Class {
	if !sites.any.Load() || pc == 0 {
		return nil
	}
	if v, ok := sites.cache.get(uint64(pc)); ok {
		if v == 0 {
			return nil
		}
		c := (*sites.classes.Load())[v-1]
		if c.kind != kind {
			return nil
		}
		return c
	}
	return resolveSite(kind, pc)
}

func resolveSite(kind waitgraph.ResourceKind, pc uintptr) *Class {
	fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	pkg := funcPackage(fr.Function)
	base := filepath.Base(fr.File)
	sites.mu.Lock()
	defer sites.mu.Unlock()
	var c *Class
	var v uint32
	if f := sites.files[pkg+"\x00"+base]; f != nil {
		if d := f.decode()[fr.Line]; d != nil {
			c, v = declClassOf(d, pc)
		}
	}
	sites.cache.put(uint64(pc), v)
	if c == nil || c.kind != kind {
		return nil
	}
	return c
}

// declClassOf returns the class of d, first locked at pc, and its index in
// sites.classes + 1.
// The caller holds sites.mu.
func declClassOf(d *decl, pc uintptr) (*Class, uint32) {
	cs := *sites.classes.Load()
	if i, ok := sites.byKey[d.key]; ok {
		return cs[i], i + 1
	}
	c := &Class{id: e.nextID.Add(1), decl: d, kind: d.kind, site: pc, writer: writerFlag(d.kind)}
	ncs := append(cs[:len(cs):len(cs)], c)
	sites.classes.Store(&ncs)
	sites.byKey[d.key] = uint32(len(cs))
	return c, uint32(len(ncs))
}

// decode parses the file's table; the caller holds sites.mu.
func (f *siteFile) decode() map[int]*decl {
	if f.lines != nil {
		return f.lines
	}
	f.lines = make(map[int]*decl)
	byKey := make(map[string]*decl)
	for ti, raw := range f.raw {
		f.decodeTable(raw, f.offs[ti], byKey)
	}
	return f.lines
}

func (f *siteFile) decodeTable(raw string, offs []uintptr, byKey map[string]*decl) {
	for _, ln := range strings.Split(raw, "\n") {
		fs := strings.Split(ln, "\t")
		if len(fs) != 6 {
			continue
		}
		line, err := strconv.Atoi(fs[0])
		if err != nil {
			continue
		}
		d := byKey[fs[2]]
		if d == nil {
			d = &decl{key: fs[2], label: fs[3], inst: fs[4], off: -1, kind: waitgraph.Mutex}
			if fs[1] == "rw" {
				d.kind = waitgraph.RWMutex
			}
			switch {
			case fs[5] == "-":
				d.inst = ""
			case strings.HasPrefix(fs[5], "#"):
				if i, err := strconv.Atoi(fs[5][1:]); err == nil && i >= 0 && i < len(offs) {
					d.off = int64(offs[i])
				} else {
					d.inst = d.label + " at"
				}
			default:
				if n, err := strconv.ParseInt(fs[5], 10, 64); err == nil {
					d.off = n
				}
			}
			byKey[d.key] = d
		}
		if prev, ok := f.lines[line]; ok && prev != d {
			f.lines[line] = nil // two declarations locked on one line
			continue
		}
		f.lines[line] = d
	}
}

// funcPackage returns the import path of the package of a function name
// as the runtime prints it, e.g. "example.com/a/b" for
// "example.com/a/b.(*T[...]).m.func1".
func funcPackage(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// instLabel names a lock of a declaration class, e.g. "Conn.mu of *Conn
// 0xc000123400".
func (l *Lock) instLabel(d *decl) string { return d.instLabel(l.addr) }

// instLabel returns the label of the lock at addr declared by d.
func (d *decl) instLabel(addr uintptr) string {
	switch {
	case d.inst == "":
		return d.label
	case d.off >= 0:
		return fmt.Sprintf("%s %#x", d.inst, addr-uintptr(d.off))
	}
	return fmt.Sprintf("%s %#x", d.inst, addr)
}

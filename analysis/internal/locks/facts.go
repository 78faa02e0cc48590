package locks

import (
	"go/token"
	"strings"
)

// A FuncFact summarises what a function does with locks and whether it may
// block. It is exported as an analysis fact for the functions of a package
// that take or release a lock or may block, so that the passes see through
// calls into other packages. It holds no absolute paths: positions are
// file base names with line numbers.
type FuncFact struct {
	Block   *Block   // how the function may block; nil if it is not known to
	Acquire []Acq    // locks the function takes, directly or through calls
	Effect  []Effect // locks still held, or released, when it returns
	// Release lists the locks the function may release (on some path),
	// as paths relative to its parameters.
	Release []string
	// Unlocks lists the locks the function may release while it does not
	// hold them itself: it releases its caller's lock, and may take it
	// again later (as "unlock, wait, relock" or a "...AndUnlock" helper).
	Unlocks []string
	// Fresh is set when the function returns a channel it made itself:
	// waiting on it waits for work the function started.
	Fresh bool
}

// AFact marks FuncFact as an analysis fact.
func (*FuncFact) AFact() {}

// String describes the fact for tests and debugging.
func (f *FuncFact) String() string {
	var b strings.Builder
	if f.Block != nil {
		b.WriteString("blocks: " + f.Block.String())
	}
	for _, a := range f.Acquire {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		m := "lock "
		if a.Read {
			m = "rlock "
		}
		b.WriteString(m + a.Path)
		if a.Class != "" {
			b.WriteString(" (" + ShortClass(a.Class) + ")")
		}
	}
	for _, e := range f.Effect {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString("returns after " + e.Op.String() + " " + e.Path)
	}
	return b.String()
}

func (f *FuncFact) empty() bool {
	return f.Block == nil && len(f.Acquire) == 0 && len(f.Effect) == 0 && len(f.Release) == 0 && len(f.Unlocks) == 0 && !f.Fresh
}

// A Block is a witness that a function may block.
type Block struct {
	What  string   // what blocks, e.g. "receives from a channel"
	At    string   // where, as "file.go:12"
	Chain []string // the calls that lead there, outermost first
	// On is the object waited on, as a path relative to the function's
	// parameters ("p0.wg"), if it is one: a caller that passes an object
	// of its own making waits only for work it started itself.
	On string
	// Cond is set for a wait on a sync.Cond, which releases its own lock
	// while it waits; CondLock is that lock's class, if known.
	Cond     bool
	CondLock string
}

// String describes the witness: the chain, what blocks and where.
func (b *Block) String() string {
	s := b.What
	if b.At != "" {
		s += " at " + b.At
	}
	if len(b.Chain) > 0 {
		s = strings.Join(b.Chain, " → ") + " → " + s
	}
	return s
}

// via returns b as seen from a caller that reaches it by calling fn.
func (b *Block) via(fn string) *Block {
	c := *b
	c.Chain = append([]string{fn}, b.Chain...)
	if len(c.Chain) > maxChain {
		c.Chain = append(c.Chain[:maxChain-1:maxChain-1], "…")
	}
	return &c
}

const (
	maxChain   = 6
	maxAcquire = 12
)

// An Acq is a lock taken by a function.
type Acq struct {
	Path  string // relative to the function's parameters, or "g:pkg.var"
	Class string // lock class; "" if unknown
	Name  string // as spelled where it is taken
	Read  bool
	At    string   // where it is taken, as "file.go:12"
	Chain []string // the calls that lead there, outermost first
	// Cond is set when the lock is taken only if a boolean parameter
	// says so (somewhere on the chain), as in "if !stop { begin() }".
	Cond bool
}

// An Effect is a lock operation whose effect outlasts the function: a lock
// taken and not released (a lock helper), or released without being taken
// (an unlock helper).
type Effect struct {
	Path  string
	Class string
	Name  string
	Op    Op
}

// A PkgFact holds what one package contributes to the global lock order:
// the order edges seen in its functions and the hierarchy declared by its
// annotations.
type PkgFact struct {
	Edges []Edge
	Decls []Decl
}

// AFact marks PkgFact as an analysis fact.
func (*PkgFact) AFact() {}

// String lists the edges and declarations.
func (f *PkgFact) String() string {
	var parts []string
	for _, e := range f.Edges {
		parts = append(parts, ShortClass(e.From)+"→"+ShortClass(e.To))
	}
	for _, d := range f.Decls {
		parts = append(parts, d.String())
	}
	return strings.Join(parts, " ")
}

// An Edge records that lock class To was taken while class From was held.
type Edge struct {
	From, To string
	Func     string    // the function in which it happens
	At       string    // where To is taken, as "file.go:12"
	Chain    []string  // calls from Func to where To is taken
	pos      token.Pos // in the package that saw it; not exported
}

// Pos returns the position of the edge in the package being analyzed, or
// token.NoPos for an edge imported from another package.
func (e Edge) Pos() token.Pos { return e.pos }

// A Decl is the declared place of a lock class in the hierarchy.
type Decl struct {
	Class    string
	Name     string   // the class's declared name, shared with gridlock.Name
	Level    int      // 0 if none
	Before   []string // classes that must be taken after this one
	After    []string // classes that must be taken before this one
	Nestable bool
	At       string
}

// String names the class and its level.
func (d Decl) String() string {
	s := ShortClass(d.Class)
	if d.Level != 0 {
		s += "@" + itoa(d.Level)
	}
	return s
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

package locks

import (
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// A Ref names a lock (or a channel, or any object) relative to the inputs
// of the function in which it is used.
//
// Key identifies the object within the function: two references with the
// same Key denote the same object on every execution. Keys rooted at a
// parameter ("p0.mu"), a free variable ("f1.*.mu") or a package variable
// ("g:example.com/pkg.mu") can be translated to a caller's keys, which is
// how function summaries are applied at call sites; keys rooted at a local
// value ("l3.mu") stay within the function.
type Ref struct {
	Key   string
	Name  string // as the source spells it, e.g. "s.mu"
	Class string // lock class, e.g. "example.com/pkg.Server.mu"; "" if none
}

// Local reports whether r is rooted at a value local to its function.
func (r Ref) Local() bool { return strings.HasPrefix(r.Key, "l") }

// Portable reports whether r may appear in a function summary.
func (r Ref) Portable() bool { return r.Key != "" && !r.Local() }

// refs assigns Refs to the values of one function.
type refs struct {
	local map[ssa.Value]int
	memo  map[ssa.Value]Ref
	names map[token.Pos]string // variables assigned call results, by the call's Lparen
}

func newRefs(names map[token.Pos]string) *refs {
	return &refs{local: map[ssa.Value]int{}, memo: map[ssa.Value]Ref{}, names: names}
}

func (rs *refs) localRef(v ssa.Value, name string) Ref {
	n, ok := rs.local[v]
	if !ok {
		n = len(rs.local)
		rs.local[v] = n
	}
	if name == "" {
		name = "?"
	}
	return Ref{Key: "l" + strconv.Itoa(n), Name: name}
}

const maxSteps = 8

// of returns the Ref of v.
func (rs *refs) of(v ssa.Value) Ref {
	if r, ok := rs.memo[v]; ok {
		return r
	}
	r := rs.compute(v, 0)
	rs.memo[v] = r
	return r
}

func (rs *refs) compute(v ssa.Value, depth int) Ref {
	if depth > maxSteps {
		return rs.localRef(v, "")
	}
	switch v := v.(type) {
	case *ssa.Parameter:
		fn := v.Parent()
		for i, p := range fn.Params {
			if p == v {
				return Ref{Key: "p" + strconv.Itoa(i), Name: v.Name()}
			}
		}
	case *ssa.FreeVar:
		fn := v.Parent()
		for i, p := range fn.FreeVars {
			if p == v {
				return Ref{Key: "f" + strconv.Itoa(i), Name: v.Name()}
			}
		}
	case *ssa.Global:
		if v.Pkg == nil {
			break
		}
		c := v.Pkg.Pkg.Path() + "." + v.Name()
		return Ref{Key: "g:" + c, Name: v.Name(), Class: c}
	case *ssa.FieldAddr:
		return rs.field(v, v.X, v.Field, depth)
	case *ssa.Field:
		return rs.field(v, v.X, v.Field, depth)
	case *ssa.UnOp:
		if v.Op.String() != "*" {
			break
		}
		// A load of a variable captured by a closure, or spilled, whose
		// only stored value is a parameter stands for the parameter.
		if a, ok := v.X.(*ssa.Alloc); ok {
			if p := onlyStored(a); p != nil {
				return rs.compute(p, depth+1)
			}
		}
		b := rs.compute(v.X, depth+1)
		return Ref{Key: b.Key + ".*", Name: b.Name, Class: b.Class}
	case *ssa.ChangeType:
		return rs.compute(v.X, depth+1)
	case *ssa.MakeInterface:
		return rs.compute(v.X, depth+1)
	case *ssa.IndexAddr:
		if c, ok := v.Index.(*ssa.Const); ok && c.Value != nil && c.Value.Kind() == constant.Int {
			b := rs.compute(v.X, depth+1)
			return Ref{Key: b.Key + "[" + c.Value.String() + "]", Name: b.Name + "[" + c.Value.String() + "]", Class: b.Class}
		}
	case *ssa.Alloc:
		return rs.localRef(v, v.Comment)
	}
	name := ""
	if c, ok := v.(*ssa.Call); ok {
		name = rs.names[c.Pos()]
	} else if n, ok := v.(interface{ Name() string }); ok {
		name = n.Name()
	}
	return rs.localRef(v, name)
}

func (rs *refs) field(v, x ssa.Value, index int, depth int) Ref {
	b := rs.compute(x, depth+1)
	st, named := structOf(x.Type())
	if st == nil || index >= st.NumFields() {
		return rs.localRef(v, b.Name)
	}
	f := st.Field(index)
	r := Ref{Key: b.Key + "." + f.Name(), Name: b.Name + "." + f.Name()}
	switch {
	case named != nil && named.Obj().Pkg() != nil:
		o := named.Origin().Obj()
		r.Class = o.Pkg().Path() + "." + o.Name() + "." + f.Name()
	case b.Class != "":
		r.Class = b.Class + "." + f.Name()
	}
	return r
}

// structOf returns the struct type of t or of what t points to, and its
// named type if it has one.
func structOf(t types.Type) (*types.Struct, *types.Named) {
	if p, ok := types.Unalias(t).Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	t = types.Unalias(t)
	n, _ := t.(*types.Named)
	s, _ := t.Underlying().(*types.Struct)
	return s, n
}

// onlyStored returns the single parameter stored into a, if a is a
// variable whose every store stores that parameter.
func onlyStored(a *ssa.Alloc) *ssa.Parameter {
	var p *ssa.Parameter
	refs := a.Referrers()
	if refs == nil {
		return nil
	}
	for _, r := range *refs {
		st, ok := r.(*ssa.Store)
		if !ok || st.Addr != a {
			continue
		}
		q, ok := st.Val.(*ssa.Parameter)
		if !ok || (p != nil && p != q) {
			return nil
		}
		p = q
	}
	return p
}

// ShortClass returns class c without its import path's directories:
// "example.com/x/pkg.T.mu" becomes "pkg.T.mu".
func ShortClass(c string) string {
	// The import path ends at the first dot after the last slash.
	return c[strings.LastIndex(c, "/")+1:]
}

// subst translates a summary path, relative to a callee's parameters and
// free variables, into the caller's terms; ok is false when the path's root
// is not an argument the caller can name.
func subst(path string, arg func(kind byte, i int) (Ref, bool)) (Ref, bool) {
	if strings.HasPrefix(path, "g:") {
		return Ref{Key: path}, true
	}
	if len(path) < 2 || (path[0] != 'p' && path[0] != 'f') {
		return Ref{}, false
	}
	end := strings.IndexByte(path, '.')
	if end < 0 {
		end = len(path)
	}
	i, err := strconv.Atoi(path[1:end])
	if err != nil {
		return Ref{}, false
	}
	b, ok := arg(path[0], i)
	if !ok {
		return Ref{}, false
	}
	rest := path[end:]
	if rest == "" {
		return b, true
	}
	r := Ref{Key: b.Key + rest, Name: b.Name}
	for _, step := range strings.Split(strings.TrimPrefix(rest, "."), ".") {
		if step != "" && step != "*" {
			r.Name += "." + step
		}
	}
	return r, true
}

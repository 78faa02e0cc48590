package overlay

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// lockMethods are the methods of sync.Mutex and sync.RWMutex (and of
// gridlock's mirror) that acquire the lock.
var lockMethods = map[string]bool{
	"Lock": true, "RLock": true, "TryLock": true, "TryRLock": true,
	"LockContext": true, "RLockContext": true,
}

// A lockDecl is the declaration a locked value comes from, in the table
// format of gridlock.LockSites.
type lockDecl struct {
	key   string // e.g. "example.com/proxy.Conn.mu"
	label string // e.g. "proxy.Conn.mu"
	inst  string // e.g. "Conn.mu of *Conn"
	off   string // offset of the mutex in the container, "-1", or "-"
	// offExpr, if set, is a constant expression of the offset of the
	// mutex in its container, e.g. "unsafe.Offsetof((*Conn)(nil).mu)":
	// the sizes are those of gridlock's mirror, which the type checker
	// does not know.
	offExpr string
}

// LockClasses registers the file's lock call sites with gridlock's
// engine: for each call that locks a sync.Mutex or sync.RWMutex whose
// declaration is known (a package variable, a struct field, the struct
// of an embedded mutex, a local variable or a local pointer that only
// holds mutexes it allocates, an element of an array of them), the declaration's class and name. At run time a lock first taken
// at one of these sites belongs to that class, as lockdep's classes are
// keyed by a lock's static declaration, and findings name it by it
// ("Conn.mu of *Conn 0xc000123400"). The registration is an init function
// added after the file's imports, on their last line.
func LockClasses(f *File) error {
	if f.Types == nil || f.Types.Info == nil {
		return nil
	}
	for _, s := range f.AST.Imports {
		if s.Path.Value == `"C"` {
			return nil // leave cgo's preamble alone
		}
	}
	type site struct {
		line int
		kind string
		d    lockDecl
	}
	var sites []site
	at := f.AST.Name.End() // where the registration goes
	for _, d := range f.AST.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			at = g.End()
		}
	}
	f.classAt = at
	ast.Inspect(f.AST, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !lockMethods[sel.Sel.Name] {
			return true
		}
		kind, d, ok := f.lockedDecl(sel)
		if !ok {
			return true
		}
		for _, p := range []token.Pos{sel.Sel.Pos(), call.Lparen, call.Rparen} {
			s := site{f.Fset.Position(p).Line, kind, d}
			if !slices.Contains(sites, s) {
				sites = append(sites, s)
			}
		}
		return true
	})
	if len(sites) == 0 {
		return nil
	}
	var b strings.Builder
	var offs []string
	for i, s := range sites {
		if i > 0 {
			b.WriteByte('\n')
		}
		off := s.d.off
		if s.d.offExpr != "" {
			j := slices.Index(offs, s.d.offExpr)
			if j < 0 {
				j = len(offs)
				offs = append(offs, s.d.offExpr)
			}
			off = "#" + strconv.Itoa(j)
		}
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%s\t%s", s.line, s.kind, s.d.key, s.d.label, s.d.inst, off)
	}
	gl := f.gridlock()
	args := ""
	if len(offs) > 0 {
		args = ", " + strings.Join(offs, ", ")
	}
	call := func(pkg string) string {
		return fmt.Sprintf("%s.LockSites(%q, %q, %q%s)", gl, pkg, filepath.Base(f.Path), b.String(), args)
	}
	calls := call(f.Types.Pkg.Path())
	if f.Types.Pkg.Name() == "main" {
		// The functions of a command are named main.f at run time.
		calls += "; " + call("main")
	}
	f.Buf.Insert(f.Offset(at), "; func init() { "+calls+" }")
	return nil
}

// lockedDecl returns the kind ("m" or "rw") and the declaration of the
// lock that the call sel locks, if sel is a lock method of a mutex whose
// declaration is known.
func (f *File) lockedDecl(sel *ast.SelectorExpr) (string, lockDecl, bool) {
	info := f.Types.Info
	s := info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return "", lockDecl{}, false
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok {
		return "", lockDecl{}, false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return "", lockDecl{}, false
	}
	kind := mutexKind(recv.Type())
	if kind == "" {
		return "", lockDecl{}, false
	}
	idx := s.Index()
	if len(idx) > 1 {
		// A method promoted from an embedded mutex: the class is the
		// struct that embeds it.
		t := s.Recv()
		var container *types.Named
		var st *types.Struct
		for _, i := range idx[:len(idx)-1] {
			container, st = namedStruct(t)
			if st == nil || i >= st.NumFields() {
				return "", lockDecl{}, false
			}
			t = st.Field(i).Type()
		}
		if container == nil || mutexKind(t) == "" || isPointer(t) {
			return "", lockDecl{}, false
		}
		return kind, f.fieldDecl(container, st, idx[len(idx)-2], true, true), true
	}
	d, ok := f.valueDecl(sel.X, true)
	return kind, d, ok
}

// valueDecl returns the declaration of the value that expression x
// denotes: the lock itself if lock is set (then x may be &v, and the
// declaration is v's), else an aggregate that contains it.
func (f *File) valueDecl(x ast.Expr, lock bool) (lockDecl, bool) {
	info := f.Types.Info
	x = ast.Unparen(x)
	if t := info.TypeOf(x); t != nil && isPointer(t) {
		if id, ok := x.(*ast.Ident); ok && lock {
			// A local pointer that only ever holds locks it allocates:
			// its locks are of its declaration.
			if v, ok := info.Uses[id].(*types.Var); ok && f.allocatedOnly(v) {
				return f.varDecl(v)
			}
		}
		u, ok := x.(*ast.UnaryExpr)
		if !lock || !ok || u.Op != token.AND {
			return lockDecl{}, false // a pointer: to a lock declared elsewhere
		}
		x = ast.Unparen(u.X)
	}
	switch x := x.(type) {
	case *ast.Ident:
		v, ok := info.Uses[x].(*types.Var)
		if !ok || v.Pkg() == nil {
			return lockDecl{}, false
		}
		return f.varDecl(v)
	case *ast.SelectorExpr:
		s := info.Selections[x]
		if s == nil {
			// A qualified identifier: another package's variable.
			if v, ok := info.Uses[x.Sel].(*types.Var); ok && v.Pkg() != nil {
				return f.varDecl(v)
			}
			return lockDecl{}, false
		}
		if s.Kind() != types.FieldVal {
			return lockDecl{}, false
		}
		idx := s.Index()
		t := s.Recv()
		var container *types.Named
		var st *types.Struct
		for _, i := range idx {
			container, st = namedStruct(t)
			if st == nil || i >= st.NumFields() {
				return lockDecl{}, false
			}
			t = st.Field(i).Type()
		}
		if container != nil {
			return f.fieldDecl(container, st, idx[len(idx)-1], false, lock), true
		}
		// A field of an anonymous struct: named after the struct's own
		// declaration.
		if len(idx) != 1 {
			return lockDecl{}, false
		}
		base, ok := f.valueDecl(x.X, false)
		if !ok {
			return lockDecl{}, false
		}
		name := x.Sel.Name
		return lockDecl{key: base.key + "." + name, label: base.label + "." + name, inst: base.label + "." + name + " at", off: "-1"}, true
	case *ast.IndexExpr:
		t := info.TypeOf(x.X)
		if t == nil {
			return lockDecl{}, false
		}
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		switch t.Underlying().(type) {
		case *types.Array, *types.Slice:
		default:
			return lockDecl{}, false
		}
		base, ok := f.valueDecl(x.X, false)
		if !ok {
			return lockDecl{}, false
		}
		return lockDecl{key: base.key + "[]", label: base.label + "[]", inst: base.label + "[] at", off: "-1"}, true
	}
	return lockDecl{}, false
}

// varDecl returns the declaration of variable v: a package variable or a
// local one (not a parameter, which stands for a value declared by the
// caller).
func (f *File) varDecl(v *types.Var) (lockDecl, bool) {
	pkg := v.Pkg()
	if v.IsField() {
		return lockDecl{}, false
	}
	if v.Parent() == pkg.Scope() {
		return lockDecl{key: pkg.Path() + "." + v.Name(), label: pkg.Name() + "." + v.Name(), off: "-"}, true
	}
	if pkg != f.Types.Pkg || isParam(f.AST, v) {
		return lockDecl{}, false
	}
	fn := enclosingFunc(f.AST, v.Pos())
	if fn == "" {
		return lockDecl{}, false
	}
	pos := f.Fset.Position(v.Pos())
	label := pkg.Name() + "." + fn + "." + v.Name()
	return lockDecl{key: fmt.Sprintf("%s.%s.%s:%s:%d", pkg.Path(), fn, v.Name(), filepath.Base(pos.Filename), pos.Line), label: label, inst: label + " at", off: "-1"}, true
}

// fieldDecl returns the declaration of field i of struct st, the
// underlying type of container; embedded reports a promoted method, whose
// class is the container itself, and lock that the field is the lock
// itself, whose instances are named by the container's address.
func (f *File) fieldDecl(container *types.Named, st *types.Struct, i int, embedded, lock bool) lockDecl {
	obj := container.Origin().Obj()
	field := st.Field(i)
	d := lockDecl{
		key:   obj.Pkg().Path() + "." + obj.Name() + "." + field.Name(),
		label: obj.Pkg().Name() + "." + obj.Name() + "." + field.Name(),
		inst:  obj.Name() + "." + field.Name() + " of *" + obj.Name(),
		off:   "-1",
	}
	if obj.Parent() != nil && obj.Parent() != obj.Pkg().Scope() {
		// A type local to a function: another function may declare one
		// of the same name.
		pos := f.Fset.Position(obj.Pos())
		d.key += fmt.Sprintf(":%s:%d", filepath.Base(pos.Filename), pos.Line)
	}
	if field.Embedded() && embedded {
		d.label = obj.Pkg().Name() + "." + obj.Name()
	}
	if !lock {
		return d
	}
	if e, ok := f.offsetExpr(container, field); ok {
		d.offExpr = e
	} else {
		d.inst = obj.Name() + "." + field.Name() + " at"
	}
	return d
}

// offsetExpr returns a constant expression of the offset of field in
// container, when the file can name them at its registration: the type is
// not generic, and is the file's own or exported with the field.
func (f *File) offsetExpr(container *types.Named, field *types.Var) (string, bool) {
	if container.TypeParams().Len() > 0 || container.TypeArgs().Len() > 0 {
		return "", false
	}
	if container.Obj().Pkg() != f.Types.Pkg && (!container.Obj().Exported() || !field.Exported()) {
		return "", false
	}
	t, ok := f.TypeExpr(container, f.classAt)
	if !ok {
		return "", false
	}
	if f.unsafeName == "" {
		f.unsafeName = f.ImportName("unsafe", "unsafe")
		if f.unsafeName == "" {
			f.unsafeName = f.Fresh("unsafe")
			f.AddImport(f.unsafeName, "unsafe")
		}
	}
	return fmt.Sprintf("%s.Offsetof((*%s)(nil).%s)", f.unsafeName, t, field.Name()), true
}

// mutexKind returns "m" for sync.Mutex, "rw" for sync.RWMutex (or a
// pointer to either, or gridlock's mirror of them), else "".
func mutexKind(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	if p := n.Obj().Pkg().Path(); p != "sync" && p != SyncPath {
		return ""
	}
	switch n.Obj().Name() {
	case "Mutex":
		return "m"
	case "RWMutex":
		return "rw"
	}
	return ""
}

func isPointer(t types.Type) bool {
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

// namedStruct returns the named type and struct of t or of what t points
// to; the named type is nil for an anonymous struct.
func namedStruct(t types.Type) (*types.Named, *types.Struct) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, _ := t.Underlying().(*types.Struct)
	n, _ := types.Unalias(t).(*types.Named)
	return n, st
}

// enclosingFunc names the function declaration of file f in which pos
// lies, e.g. "Transfer" or "Conn.serve".
func enclosingFunc(f *ast.File, pos token.Pos) string {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || pos < fd.Pos() || pos >= fd.End() {
			continue
		}
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			t := fd.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			switch x := t.(type) {
			case *ast.IndexExpr:
				t = x.X
			case *ast.IndexListExpr:
				t = x.X
			}
			if id, ok := t.(*ast.Ident); ok {
				return id.Name + "." + fd.Name.Name
			}
		}
		return fd.Name.Name
	}
	return ""
}

// isParam reports whether v is a parameter or result of a function of f.
func isParam(f *ast.File, v *types.Var) bool {
	param := false
	ast.Inspect(f, func(n ast.Node) bool {
		if param {
			return false
		}
		ft, ok := n.(*ast.FuncType)
		if !ok {
			return true
		}
		for _, fl := range []*ast.FieldList{ft.Params, ft.Results} {
			if fl == nil {
				continue
			}
			for _, fd := range fl.List {
				for _, name := range fd.Names {
					if name.Pos() == v.Pos() {
						param = true
					}
				}
			}
		}
		return true
	})
	return param
}

// allocatedOnly reports whether v, a variable local to a function of the
// file, is only ever assigned a new mutex (new(sync.Mutex),
// &sync.Mutex{}), and its address is never taken.
func (f *File) allocatedOnly(v *types.Var) bool {
	if v.Pkg() != f.Types.Pkg || v.Parent() == nil || v.Parent() == v.Pkg().Scope() || isParam(f.AST, v) {
		return false
	}
	var body ast.Node
	for _, d := range f.AST.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil && fd.Pos() <= v.Pos() && v.Pos() < fd.End() {
			body = fd.Body
		}
	}
	if body == nil {
		return false
	}
	info := f.Types.Info
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && (info.Uses[id] == v || info.Defs[id] == v)
	}
	alloc := func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.CallExpr:
			id, ok := ast.Unparen(e.Fun).(*ast.Ident)
			_, builtin := info.Uses[id].(*types.Builtin)
			return ok && builtin && id.Name == "new" && len(e.Args) == 1 && mutexKind(info.TypeOf(e.Args[0])) != ""
		case *ast.UnaryExpr:
			cl, ok := ast.Unparen(e.X).(*ast.CompositeLit)
			return e.Op == token.AND && ok && len(cl.Elts) == 0 && mutexKind(info.TypeOf(cl)) != ""
		}
		return false
	}
	ok, assigned := true, false
	ast.Inspect(body, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if !is(lhs) {
					continue
				}
				if len(n.Rhs) != len(n.Lhs) || !alloc(n.Rhs[i]) {
					ok = false
				}
				assigned = true
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if !is(name) {
					continue
				}
				if len(n.Values) != len(n.Names) || !alloc(n.Values[i]) {
					ok = false
				}
				assigned = true
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND && is(n.X) {
				ok = false
			}
		case *ast.RangeStmt:
			if n.Key != nil && is(n.Key) || n.Value != nil && is(n.Value) {
				ok = false
			}
		}
		return true
	})
	return ok && assigned
}

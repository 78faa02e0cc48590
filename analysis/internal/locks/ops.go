package locks

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// An Op is an operation on a lock.
type Op uint8

// The lock operations.
const (
	NoOp Op = iota
	Lock
	RLock
	Unlock
	RUnlock
	TryLock
	TryRLock
)

// Acquires reports whether o blocks until it holds the lock.
func (o Op) Acquires() bool { return o == Lock || o == RLock }

// Releases reports whether o releases the lock.
func (o Op) Releases() bool { return o == Unlock || o == RUnlock }

// Read reports whether o is a read-lock operation.
func (o Op) Read() bool { return o == RLock || o == RUnlock || o == TryRLock }

// String returns the name of the method, as "RLock".
func (o Op) String() string {
	return [...]string{"", "Lock", "RLock", "Unlock", "RUnlock", "TryLock", "TryRLock"}[o]
}

func opNamed(name string) Op {
	switch name {
	case "Lock":
		return Lock
	case "RLock":
		return RLock
	case "Unlock":
		return Unlock
	case "RUnlock":
		return RUnlock
	case "TryLock":
		return TryLock
	case "TryRLock":
		return TryRLock
	}
	return NoOp
}

// The packages whose Mutex and RWMutex are locks.
var lockPkgs = map[string]bool{
	"sync":                                 true,
	"github.com/gridlock-go/gridlock/sync": true,
}

// LockOp reports whether call is an operation on a lock, and the lock: a
// method of sync.Mutex or sync.RWMutex (or gridlock's), or Lock and Unlock
// called through a sync.Locker.
func LockOp(call *ssa.CallCommon) (Op, ssa.Value) {
	if call.IsInvoke() {
		if call.Method == nil || !isLocker(call.Value.Type()) {
			return NoOp, nil
		}
		switch op := opNamed(call.Method.Name()); op {
		case Lock, Unlock:
			return op, call.Value
		}
		return NoOp, nil
	}
	if mc, ok := call.Value.(*ssa.MakeClosure); ok && len(mc.Bindings) == 1 && len(call.Args) == 0 {
		// A method value called at once, or through a local variable:
		// lock := mu.Lock; lock().
		if fn, ok := mc.Fn.(*ssa.Function); ok && strings.HasPrefix(fn.Synthetic, "bound method wrapper") {
			if m, ok := fn.Object().(*types.Func); ok {
				if r := m.Type().(*types.Signature).Recv(); r != nil && isMutex(r.Type()) {
					return opNamed(m.Name()), mc.Bindings[0]
				}
			}
		}
	}
	fn := call.StaticCallee()
	if fn == nil || fn.Signature.Recv() == nil || len(call.Args) == 0 {
		return NoOp, nil
	}
	if !isMutex(fn.Signature.Recv().Type()) {
		return NoOp, nil
	}
	return opNamed(fn.Name()), call.Args[0]
}

// isMutex reports whether t is (a pointer to) sync.Mutex or sync.RWMutex.
func isMutex(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	name := n.Obj().Name()
	return lockPkgs[n.Obj().Pkg().Path()] && (name == "Mutex" || name == "RWMutex")
}

// isLocker reports whether t is an interface whose method set is that of
// sync.Locker: Lock and Unlock, perhaps with more.
func isLocker(t types.Type) bool {
	it, ok := t.Underlying().(*types.Interface)
	if !ok {
		return false
	}
	var l, u bool
	for i := range it.NumMethods() {
		m := it.Method(i)
		sig := m.Type().(*types.Signature)
		if sig.Params().Len() != 0 || sig.Results().Len() != 0 {
			continue
		}
		l = l || m.Name() == "Lock"
		u = u || m.Name() == "Unlock"
	}
	return l && u
}

// funcName returns a short name for fn, as in "pkg.F" or "(*pkg.T).M".
func funcName(fn *ssa.Function) string {
	if fn.Parent() != nil {
		return funcName(fn.Parent()) + " (func literal)"
	}
	fn = origin(fn)
	if obj, ok := fn.Object().(*types.Func); ok {
		full := obj.FullName()
		// Drop import path directories: "(*example.com/x/pkg.T).M" → "(*pkg.T).M".
		if i := strings.LastIndex(full, "/"); i >= 0 {
			prefix := ""
			if strings.HasPrefix(full, "(*") {
				prefix = "(*"
			} else if strings.HasPrefix(full, "(") {
				prefix = "("
			}
			return prefix + full[i+1:]
		}
		return full
	}
	return fn.Name()
}

func origin(fn *ssa.Function) *ssa.Function {
	if o := fn.Origin(); o != nil {
		return o
	}
	return fn
}

// pkgPathOf returns the import path of fn's package, or "".
func pkgPathOf(fn *ssa.Function) string {
	fn = origin(fn)
	if fn.Pkg != nil {
		return fn.Pkg.Pkg.Path()
	}
	if obj := fn.Object(); obj != nil && obj.Pkg() != nil {
		return obj.Pkg().Path()
	}
	return ""
}

// opaque reports whether facts about functions of package path are not
// used: calls into these packages are judged by the table alone. The
// runtime and reflect would make everything "may block"; sync's own
// semaphores are locks, not blocking operations in the sense of this
// analysis; printing and logging are not considered blocking.
func opaque(path string) bool {
	switch path {
	case "runtime", "reflect", "sync", "sync/atomic", "unsafe", "internal/sync",
		"internal/synctest", "testing", "iter",
		"github.com/gridlock-go/gridlock", "github.com/gridlock-go/gridlock/sync",
		// crypto/rand.Read does not block once the system is up.
		"crypto/rand", "crypto/internal/sysrand":
		return true
	}
	if logging[path] {
		return true
	}
	return strings.HasPrefix(path, "runtime/") ||
		strings.HasPrefix(path, "internal/runtime/") ||
		strings.HasPrefix(path, "github.com/gridlock-go/gridlock/internal/")
}

// logging lists the logging packages: a log line is not considered a
// blocking operation (its writer is usually an interface anyway, and a log
// line under a lock is seldom the problem).
var logging = map[string]bool{
	"fmt": true, "log": true, "log/slog": true, "log/syslog": true,
	"k8s.io/klog": true, "k8s.io/klog/v2": true,
	"go.uber.org/zap": true, "go.uber.org/zap/zapcore": true,
	"github.com/sirupsen/logrus": true, "github.com/go-logr/logr": true,
	"github.com/rs/zerolog": true, "github.com/rs/zerolog/log": true,
	"google.golang.org/grpc/grpclog": true, "google.golang.org/grpc/internal/grpclog": true,
	"github.com/golang/glog": true,
}

// modelled returns the blocking behaviour of functions known by name: the
// bodiless runtime hooks beneath blocking library calls, and entry points
// whose blocking is hidden behind interfaces. ok is false for functions
// the table does not know.
func modelled(fn *ssa.Function) (b *Block, ok bool) {
	fn = origin(fn)
	path := pkgPathOf(fn)
	recv := ""
	if r := fn.Signature.Recv(); r != nil {
		t := r.Type()
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			recv = n.Obj().Name()
		}
	}
	name := fn.Name()
	key := path + "." + name
	if recv != "" {
		key = path + "." + recv + "." + name
	}
	switch key {
	case "time.Sleep":
		return &Block{What: "sleeps (time.Sleep)"}, true
	case "sync.WaitGroup.Wait", "github.com/gridlock-go/gridlock/sync.WaitGroup.Wait":
		return &Block{What: "waits for a sync.WaitGroup", On: "p0"}, true
	case "sync.Cond.Wait", "github.com/gridlock-go/gridlock/sync.Cond.Wait":
		return &Block{What: "waits on a sync.Cond", Cond: true, On: "p0"}, true
	case "os.ReadFile", "os.WriteFile", "os.ReadDir":
		// Reached through method values that a static call graph misses.
		return &Block{What: "does file I/O (" + funcName(fn) + ")"}, true
	case "internal/poll.runtime_pollWait":
		return &Block{What: "waits for network or file I/O"}, true
	case "net/http.Get", "net/http.Post", "net/http.PostForm", "net/http.Head",
		"net/http.Client.Do", "net/http.Client.Get", "net/http.Client.Post",
		"net/http.Client.PostForm", "net/http.Client.Head":
		return &Block{What: "makes an HTTP request (" + funcName(fn) + ")"}, true
	case "os/exec.Cmd.Run", "os/exec.Cmd.Wait", "os/exec.Cmd.Output", "os/exec.Cmd.CombinedOutput",
		"os.Process.Wait":
		return &Block{What: "waits for a process (" + funcName(fn) + ")"}, true
	case "golang.org/x/sync/semaphore.Weighted.Acquire",
		"github.com/gridlock-go/gridlock.Semaphore.Acquire":
		return &Block{What: "acquires a semaphore", On: "p0"}, true
	}
	if path == "internal/poll" && recv == "FD" {
		for _, p := range []string{"Read", "Write", "Pread", "Pwrite", "Accept", "RawRead", "RawWrite", "WaitWrite"} {
			if strings.HasPrefix(name, p) {
				return &Block{What: "does network or file I/O"}, true
			}
		}
		return nil, true
	}
	if opaque(path) {
		return nil, true
	}
	return nil, false
}

// noReturn reports whether a call to fn never returns normally.
func noReturn(fn *ssa.Function) bool {
	fn = origin(fn)
	path := pkgPathOf(fn)
	name := fn.Name()
	switch path {
	case "os":
		return name == "Exit"
	case "log":
		return strings.HasPrefix(name, "Fatal") || strings.HasPrefix(name, "Panic")
	case "runtime":
		return name == "Goexit"
	case "testing":
		switch name {
		case "Fatal", "Fatalf", "FailNow", "Skip", "Skipf", "SkipNow":
			return true
		}
	case "k8s.io/klog/v2", "k8s.io/klog":
		return strings.HasPrefix(name, "Fatal") || strings.HasPrefix(name, "Exit")
	}
	return false
}

package gridlock

import (
	"context"
	"reflect"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// A Case is one case of Select: a receive from a Chan (Chan.CaseRecv), a
// send on one (Chan.CaseSend), or a default (Default).
type Case struct {
	dir  reflect.SelectDir
	ch   reflect.Value
	val  reflect.Value
	prim *engine.Prim
	recv func(v reflect.Value, ok bool)
	run  func()
}

// CaseRecv returns a Select case that receives from c and calls f with
// the value and ok, as a receive in a select statement would.
func (c *Chan[T]) CaseRecv(f func(v T, ok bool)) Case {
	return Case{dir: reflect.SelectRecv, ch: reflect.ValueOf(c.c), prim: c.p, recv: func(v reflect.Value, ok bool) {
		var t T
		if ok {
			t = v.Interface().(T)
		}
		if f != nil {
			f(t, ok)
		}
	}}
}

// CaseSend returns a Select case that sends v on c and then calls f, if
// not nil.
func (c *Chan[T]) CaseSend(v T, f func()) Case {
	return Case{dir: reflect.SelectSend, ch: reflect.ValueOf(c.c), val: reflect.ValueOf(&v).Elem(), prim: c.p, run: f}
}

// Default returns the default case of a Select: it runs f when no other
// case can proceed at once.
func Default(f func()) Case {
	return Case{dir: reflect.SelectDefault, run: f}
}

// Select waits until one of the cases can proceed, runs it, and returns
// its index, as a select statement does. While it waits, it is part of
// the wait-for graph, needing a goroutine that may still operate on any of
// its channels.
//
// Select is built on reflect.Select and costs about a microsecond more
// than a native select; in a hot loop over one channel, use Recv and Send,
// or a native select on C (which gridlock does not see).
//
//go:noinline
func Select(cases ...Case) int {
	gid, pc := rt.Enter()
	i, _ := selectCases(gid, pc, nil, cases)
	return i
}

// SelectContext is Select with a context: if ctx is done before any case
// can proceed, it returns -1 and a *WaitError.
//
//go:noinline
func SelectContext(ctx context.Context, cases ...Case) (int, error) {
	gid, pc := rt.Enter()
	return selectCases(gid, pc, ctx, cases)
}

func selectCases(gid uint64, pc uintptr, ctx context.Context, cases []Case) (int, error) {
	if sched.On() {
		ops := make([]sched.Op, 0, len(cases)+1)
		dflt := false
		for _, c := range cases {
			switch c.dir {
			case reflect.SelectRecv, reflect.SelectSend:
				ops = append(ops, sched.Op{Key: chanKey(c.ch), Send: c.dir == reflect.SelectSend})
			default:
				dflt = true
			}
		}
		if ctx != nil && ctx.Done() != nil {
			ops = append(ops, sched.Op{Outside: true})
		}
		if dflt {
			schedPoint(nil)
		} else if s, m := schedSelect(ops, pc); m != sched.Free {
			i, err := selectCasesFree(gid, pc, ctx, cases)
			var key unsafe.Pointer
			if i >= 0 {
				key = chanKey(cases[i].ch)
			}
			schedAfter(s, m, key)
			return i, err
		}
	}
	return selectCasesFree(gid, pc, ctx, cases)
}

func selectCasesFree(gid uint64, pc uintptr, ctx context.Context, cases []Case) (int, error) {
	sc := make([]reflect.SelectCase, len(cases), len(cases)+3)
	hasDefault := false
	for i, c := range cases {
		sc[i] = reflect.SelectCase{Dir: c.dir, Chan: c.ch, Send: c.val}
		hasDefault = hasDefault || c.dir == reflect.SelectDefault
	}
	// Try at once.
	if !hasDefault {
		sc = append(sc, reflect.SelectCase{Dir: reflect.SelectDefault})
	}
	chosen, v, ok := reflect.Select(sc)
	if chosen < len(cases) {
		return finish(gid, cases, chosen, v, ok), nil
	}
	sc = sc[:len(cases)]
	// Block, registered as waiting on every channel.
	var wt *engine.Wait
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	if engine.Enabled() {
		var on []engine.WaitOn
		for _, c := range cases {
			switch c.dir {
			case reflect.SelectRecv:
				on = append(on, engine.WaitOn{Prim: c.prim, Mode: waitgraph.Recv})
			case reflect.SelectSend:
				on = append(on, engine.WaitOn{Prim: c.prim, Mode: waitgraph.Send})
			}
		}
		wt = engine.BeginWaitOn(gid, pc, done != nil, on...)
	}
	defer wt.End()
	tick, stop := len(sc), len(sc)+1
	sc = append(sc, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(wt.C())})
	sc = append(sc, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)})
	for {
		chosen, v, ok := reflect.Select(sc)
		switch chosen {
		case tick:
			wt.Tick()
			sc[tick].Chan = reflect.ValueOf(wt.C())
		case stop:
			return -1, wt.Explain("SelectContext", ctx.Err())
		default:
			return finish(gid, cases, chosen, v, ok), nil
		}
	}
}

func finish(gid uint64, cases []Case, i int, v reflect.Value, ok bool) int {
	c := cases[i]
	if engine.Enabled() && c.prim != nil {
		if c.dir == reflect.SelectRecv {
			c.prim.NoteRecv(goid(gid))
		} else {
			c.prim.NoteSend(goid(gid))
		}
	}
	switch {
	case c.recv != nil:
		c.recv(v, ok)
	case c.run != nil:
		c.run()
	}
	return i
}

package gridlock

import (
	"math"
	"time"
	"unsafe"

	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/internal/rt"
	"github.com/gridlock-go/gridlock/internal/sched"
)

// Sleeps and timers. gridlock explore rewrites the code under test's calls
// of time.Sleep, time.After, time.NewTimer, time.AfterFunc, time.NewTicker
// and time.Tick into these functions, and its calls of the Stop and Reset
// methods of *time.Timer and *time.Ticker into TimerStop, TimerReset,
// TickerStop and TickerReset. Under a controlled schedule (see
// gridlocktest.Explore) they run in the schedule's virtual time: a sleep is
// a scheduling point at which the goroutine waits until virtual time
// reaches its deadline, a timer fires when virtual time reaches its, and
// when no goroutine of the schedule can run, virtual time jumps to the
// first deadline. Otherwise each costs one atomic load and does exactly
// what the function of package time does.

// never is the duration of the real timers that stand behind virtual
// ones: they do not fire.
const never = time.Duration(math.MaxInt64)

// Sleep is time.Sleep: under a schedule, a sleep in virtual time.
//
//go:noinline
func Sleep(d time.Duration) {
	if sched.On() && schedSleep(d) {
		return
	}
	time.Sleep(d)
}

//go:noinline
func schedSleep(d time.Duration) bool {
	gid, pc := rt.Enter()
	s := sched.Active()
	return s != nil && s.Sleep(goid(gid), d, pc)
}

// After is time.After: under a schedule, a channel that receives the
// virtual time after d.
func After(d time.Duration) <-chan time.Time {
	if sched.On() {
		if t := schedTimer(d, 0, nil); t != nil {
			return t.C
		}
	}
	return time.After(d)
}

// NewTimer is time.NewTimer: under a schedule, a timer of virtual time.
// Its Stop and Reset must be called through TimerStop and TimerReset (as
// gridlock explore rewrites them) to act on the virtual timer.
func NewTimer(d time.Duration) *time.Timer {
	if sched.On() {
		if t := schedTimer(d, 0, nil); t != nil {
			return t
		}
	}
	return time.NewTimer(d)
}

// AfterFunc is time.AfterFunc: under a schedule, f runs in a goroutine of
// the schedule once virtual time reaches d from now.
func AfterFunc(d time.Duration, f func()) *time.Timer {
	if sched.On() {
		if t := schedTimer(d, 0, f); t != nil {
			return t
		}
	}
	return time.AfterFunc(d, f)
}

//go:noinline
func schedTimer(d, period time.Duration, f func()) *time.Timer {
	s := sched.Active()
	if s == nil {
		return nil
	}
	// A real timer that never fires stands behind the virtual one, so
	// that the Stop or Reset of code not rewritten acts on a timer.
	var t *time.Timer
	var ch chan time.Time
	if f != nil {
		t = time.AfterFunc(never, func() {})
	} else {
		t = time.NewTimer(never)
		ch = make(chan time.Time, 1)
		t.C = ch
	}
	if !s.Timer(engine.Goid(), d, ch, f, 0, unsafe.Pointer(t)) {
		t.Stop()
		return nil
	}
	return t
}

// NewTicker is time.NewTicker: under a schedule, a ticker of virtual time.
// Its Stop and Reset must be called through TickerStop and TickerReset.
func NewTicker(d time.Duration) *time.Ticker {
	if sched.On() {
		if t := schedTicker(d); t != nil {
			return t
		}
	}
	return time.NewTicker(d)
}

// Tick is time.Tick: under a schedule, the channel of a ticker of virtual
// time.
func Tick(d time.Duration) <-chan time.Time {
	if sched.On() && d > 0 {
		if t := schedTicker(d); t != nil {
			return t.C
		}
	}
	return time.Tick(d)
}

//go:noinline
func schedTicker(d time.Duration) *time.Ticker {
	s := sched.Active()
	if s == nil || d <= 0 {
		return nil // time.NewTicker panics on d <= 0: let it
	}
	t := time.NewTicker(never)
	ch := make(chan time.Time, 1)
	t.C = ch
	if !s.Timer(engine.Goid(), d, ch, nil, d, unsafe.Pointer(t)) {
		t.Stop()
		return nil
	}
	return t
}

// TimerStop is t.Stop(): for a timer of a schedule, it stops the virtual
// timer.
func TimerStop(t *time.Timer) bool {
	if sched.TimersLeft() {
		if p, ok := sched.StopTimer(unsafe.Pointer(t)); ok {
			t.Stop()
			return p
		}
	}
	return t.Stop()
}

// TimerReset is t.Reset(d): for a timer of a schedule, it resets the
// virtual timer.
func TimerReset(t *time.Timer, d time.Duration) bool {
	if sched.TimersLeft() {
		if p, ok := sched.ResetTimer(unsafe.Pointer(t), d); ok {
			return p
		}
	}
	return t.Reset(d)
}

// TickerStop is t.Stop(): for a ticker of a schedule, it stops the
// virtual ticker.
func TickerStop(t *time.Ticker) {
	if sched.TimersLeft() {
		if _, ok := sched.StopTimer(unsafe.Pointer(t)); ok {
			t.Stop()
			return
		}
	}
	t.Stop()
}

// TickerReset is t.Reset(d): for a ticker of a schedule, it resets the
// virtual ticker.
func TickerReset(t *time.Ticker, d time.Duration) {
	if sched.TimersLeft() {
		if d <= 0 {
			panic("non-positive interval for Ticker.Reset")
		}
		if _, ok := sched.ResetTimer(unsafe.Pointer(t), d); ok {
			return
		}
	}
	t.Reset(d)
}

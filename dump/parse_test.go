package dump_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/dump"
)

const twoGoroutines = `goroutine 7 [chan receive, 3 minutes, locked to thread]:
main.worker(0xc000012345, 0x1)
	/src/app/main.go:12 +0x1d
created by main.main in goroutine 1
	/src/app/main.go:30 +0x55

goroutine 8 [sync.Mutex.Lock]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000100008)
	/usr/local/go/src/internal/sync/mutex.go:149 +0x15d
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
main.(*Cache).Get(0xc000100000, {0x5a1b2c, 0x3})
	/src/app/cache.go:40 +0x45
created by main.main in goroutine 1
	/src/app/main.go:31 +0x99
`

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		n      int // goroutine records
		check  func(t *testing.T, d *dump.Dump)
		warned bool
	}{
		{
			name: "traceback",
			in:   twoGoroutines,
			n:    2,
			check: func(t *testing.T, d *dump.Dump) {
				g := d.Goroutines[0]
				if g.ID != 7 || g.Status != "chan receive" || g.Waited != 3*time.Minute || !g.LockedToThread || g.Creator != 1 {
					t.Errorf("header: %+v", g)
				}
				s := d.Stack(&g)
				if len(s.Frames) != 1 || s.Frames[0].Func != "main.worker" || s.Frames[0].Line != 12 || s.CreatedBy == nil || s.CreatedBy.Line != 30 {
					t.Errorf("stack: %+v created by %+v", s.Frames, s.CreatedBy)
				}
				if len(g.Refs) != 1 || g.Refs[0] != 0xc000012345 {
					t.Errorf("refs %x, want the pointer argument", g.Refs)
				}
				if a := d.Goroutines[1].Addr; a != 0xc000100008 {
					t.Errorf("mutex address %#x, want 0xc000100008", a)
				}
			},
		},
		{
			name: "prefixed lines in a log",
			in: "2026-03-01T12:00:00Z app started\n" +
				prefixLines(twoGoroutines, func(i int) string { return "2026-03-01T12:00:0" + string(rune('0'+i%10)) + ".12Z stderr F " }),
			n: 2,
			check: func(t *testing.T, d *dump.Dump) {
				if d.Goroutines[1].Addr != 0xc000100008 {
					t.Errorf("mutex address lost behind the prefix")
				}
			},
		},
		{
			name: "fixed prefix with no space before a tab",
			in:   prefixLines(twoGoroutines, func(int) string { return "web-1  | " }),
			n:    2,
		},
		{
			name: "CRLF",
			in:   strings.ReplaceAll(twoGoroutines, "\n", "\r\n"),
			n:    2,
		},
		{
			name: "labels, leaked, elided, ancestors",
			in: `goroutine 9 gp=0xc000003c00 m=nil [select (leaked), 12 minutes, labels:{"handler": "/api, v2", "user": "x"}]:
main.poll(0x1?)
	/src/app/poll.go:5 +0x10
...additional frames elided...
created by main.start in goroutine 3
	/src/app/poll.go:2 +0x22
[originating from goroutine 3]:
main.start(...)
	/src/app/poll.go:2 +0x22
`,
			n: 1,
			check: func(t *testing.T, d *dump.Dump) {
				g := d.Goroutines[0]
				if !g.Leaked || g.Status != "select" || g.Waited != 12*time.Minute {
					t.Errorf("status: %+v", g)
				}
				if g.Labels != `"handler": "/api, v2", "user": "x"` {
					t.Errorf("labels %q", g.Labels)
				}
				if g.Elided != -1 || len(g.Ancestors) != 1 || g.Ancestors[0] != 3 {
					t.Errorf("elided %d, ancestors %v", g.Elided, g.Ancestors)
				}
				if s := d.Stack(&g); len(s.Frames) != 1 {
					t.Errorf("frames of the ancestor were taken as the goroutine's: %v", s.Frames)
				}
			},
		},
		{
			name: "counted profile",
			in: `goroutine profile: total 5
3 @ 0x489aae 0x467c12 0x48af45 0x498cbd 0x670c7d 0x491161
#	0x48af44	internal/sync.runtime_SemacquireMutex+0x24	/usr/local/go/src/runtime/sema.go:95
#	0x498cbc	internal/sync.(*Mutex).lockSlow+0x15c		/usr/local/go/src/internal/sync/mutex.go:149
#	0x670c7c	main.transfer+0x7c				/tmp/exp/main.go:22

2 @ 0x489aae 0x41a58e 0x41a0d2 0x671273 0x491161
# labels: {"k":"v"}
#	0x671272	main.main.func2+0x32	/tmp/exp/main.go:34
`,
			n: 2,
			check: func(t *testing.T, d *dump.Dump) {
				if d.Format != dump.Profile || d.Total() != 5 {
					t.Errorf("format %s, total %d", d.Format, d.Total())
				}
				if g := d.Goroutines[0]; g.Count != 3 || g.Status != "sync.Mutex.Lock" {
					t.Errorf("record 0: %+v", g)
				}
				if g := d.Goroutines[1]; g.Status != "parked" || g.Labels != `"k":"v"` {
					t.Errorf("record 1: %+v", g)
				}
			},
		},
		{
			name: "test timeout",
			in:   "panic: test timed out after 2s\n\trunning tests:\n\t\tTestHang (2s)\n\n" + twoGoroutines,
			n:    2,
			check: func(t *testing.T, d *dump.Dump) {
				if d.Reason != "panic: test timed out after 2s" || len(d.Tests) != 1 || d.Tests[0] != "TestHang" {
					t.Errorf("reason %q, tests %q", d.Reason, d.Tests)
				}
			},
		},
		{
			name:   "truncated",
			in:     twoGoroutines[:len(twoGoroutines)-80],
			n:      2,
			warned: true,
		},
		{
			name: "snapshot",
			in:   "gridlock snapshot 2026-03-01T12:00:00Z\n" + `{"goroutines":[{"id":7,"holds":[{"resource":"a","mode":"lock"}]}],"resources":[{"id":"a","kind":"mutex","exact":true}]}` + "\n\n" + twoGoroutines,
			n:    2,
			check: func(t *testing.T, d *dump.Dump) {
				if d.Snapshot == nil || len(d.Snapshot.Goroutines) != 1 || d.Snapshot.Resources[0].ID != "a" {
					t.Errorf("snapshot %+v", d.Snapshot)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dump.ParseBytes([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Goroutines) != tt.n {
				t.Fatalf("%d goroutines, want %d", len(d.Goroutines), tt.n)
			}
			if (d.Warning != "") != tt.warned {
				t.Errorf("warning %q, want one: %v", d.Warning, tt.warned)
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

func prefixLines(s string, prefix func(int) string) string {
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		b.WriteString(prefix(i) + l + "\n")
	}
	return b.String()
}

func TestParseNothing(t *testing.T) {
	for _, in := range []string{"", "hello\nworld\n", "goroutine x [running]:\n", "\x00\xff"} {
		if _, err := dump.ParseBytes([]byte(in)); !errors.Is(err, dump.ErrNoGoroutines) {
			t.Errorf("Parse(%q) = %v, want ErrNoGoroutines", in, err)
		}
	}
}

func TestParseEmptyLeakProfile(t *testing.T) {
	d, err := dump.ParseBytes([]byte("goroutineleak profile: total 0\n"))
	if err != nil || d.Format != dump.LeakReport || d.Total() != 0 {
		t.Fatalf("%v, format %q, total %d", err, d.Format, d.Total())
	}
	if a := dump.Analyze(d); len(a.Findings) != 0 || !strings.Contains(a.Headline(), "no leaked goroutine") {
		t.Errorf("headline %q", a.Headline())
	}
}

func TestParseLongLine(t *testing.T) {
	in := twoGoroutines + "\n" + strings.Repeat("x", 1<<20) + "\n" + twoGoroutines
	d, err := dump.ParseBytes([]byte(in))
	if err != nil || len(d.Goroutines) != 4 {
		t.Fatalf("%v, %d goroutines", err, len(d.Goroutines))
	}
}

// TestPanicIsNotBusy: the goroutine that panicked is running, but it is
// not a loop.
func TestPanicIsNotBusy(t *testing.T) {
	in := `panic: boom

goroutine 1 [running]:
main.main()
	/src/app/main.go:9 +0x25
exit status 2
`
	d, err := dump.ParseBytes([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if d.Reason != "panic: boom" {
		t.Errorf("reason %q", d.Reason)
	}
	if a := dump.Analyze(d); len(a.Findings) != 0 {
		t.Errorf("findings on a panic: %s", a.Findings[0].Summary)
	}
}

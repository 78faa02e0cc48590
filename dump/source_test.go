package dump_test

import (
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

// fakeSource answers for frames by "func:line".
type fakeSource map[string]*dump.SourceFrame

func (s fakeSource) Frame(f waitgraph.Frame, callee string) *dump.SourceFrame {
	return s[f.Func+":"+itoa(f.Line)]
}

func itoa(i int) string {
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

const relockDump = `goroutine 1 [sleep]:
time.Sleep(0x3b9aca00)
	runtime/time.go:363 +0x165
main.main()
	/src/app/main.go:30 +0x25

goroutine 5 [sync.Mutex.Lock]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000010008)
	internal/sync/mutex.go:149 +0x15d
internal/sync.(*Mutex).Lock(...)
	internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
main.(*S).b(0xc000010000)
	/src/app/main.go:12 +0x9d
main.(*S).a(0xc000010000)
	/src/app/main.go:7 +0x25
created by main.main in goroutine 1
	/src/app/main.go:29 +0xbc
`

const contendedDump = `goroutine 1 [sleep]:
time.Sleep(0x3b9aca00)
	runtime/time.go:363 +0x165
main.main()
	/src/app/main.go:30 +0x25

goroutine 5 [sync.Mutex.Lock]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xa404e8)
	internal/sync/mutex.go:149 +0x15d
internal/sync.(*Mutex).Lock(...)
	internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
main.work()
	/src/app/main.go:18 +0x9d
created by main.main in goroutine 1
	/src/app/main.go:29 +0xbc

goroutine 6 [runnable]:
main.work()
	/src/app/main.go:20 +0x9d
created by main.main in goroutine 1
	/src/app/main.go:29 +0xbc
`

func TestAnalyzeSource(t *testing.T) {
	mu := dump.SourceRef{Name: "s.mu", Class: "main.S.mu", Arg: 0, Offset: 8}
	held := func(r dump.SourceRef, line int) []dump.SourceLock {
		return []dump.SourceLock{{SourceRef: r, File: "/src/app/main.go", Line: line}}
	}
	global := dump.SourceRef{Name: "mu", Class: "main.mu", Global: true, Arg: -1}
	tests := []struct {
		name  string
		text  string
		src   fakeSource
		stuck bool
		kind  report.Kind
		says  string
	}{
		{"recursive lock through a call", relockDump, fakeSource{
			"main.(*S).a:7":  {Held: held(mu, 6)},
			"main.(*S).b:12": {Wait: &mu},
		}, true, report.Deadlock, "held by itself: it holds s.mu (locked at app/main.go:6, per the source)"},
		{"another instance of the same field", relockDump, fakeSource{
			"main.(*S).a:7":  {Held: held(dump.SourceRef{Name: "s.other", Class: "main.S.mu", Arg: 0, Offset: 16}, 6)},
			"main.(*S).b:12": {Wait: &mu},
		}, false, "", ""},
		{"a source of another version", relockDump, fakeSource{
			"main.(*S).a:7":  {Mismatch: "main.go is another version than the program's; not used"},
			"main.(*S).b:12": {Wait: &mu},
		}, false, "", ""},
		{"contention: the holder runs", contendedDump, fakeSource{
			"main.work:18": {Wait: &global},
			"main.work:20": {Held: held(global, 17)},
		}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dump.ParseBytes([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			a := dump.AnalyzeSource(d, tt.src)
			if a.Stuck() != tt.stuck {
				t.Fatalf("stuck %v, want %v: %v", a.Stuck(), tt.stuck, a.Findings)
			}
			if tt.stuck {
				f := a.Findings[0]
				if f.Kind != tt.kind || !strings.Contains(f.Summary, tt.says) {
					t.Errorf("%s: %s, want %s saying %q", f.Kind, f.Summary, tt.kind, tt.says)
				}
			}
			for _, f := range a.Findings {
				if strings.Contains(f.Summary, "per the source") && strings.Contains(tt.name, "another version") {
					t.Errorf("a mismatched frame was used: %s", f.Summary)
				}
			}
			if strings.Contains(tt.name, "another version") && len(a.SourceProblems) != 1 {
				t.Errorf("source problems %q", a.SourceProblems)
			}
		})
	}
}

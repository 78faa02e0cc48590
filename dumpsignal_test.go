package gridlock_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
)

// lockedBuffer is a bytes.Buffer safe for the signal goroutine and the
// test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// abba deadlocks two goroutines on two of gridlock's mutexes and returns
// once both wait.
func abba(t *testing.T) {
	t.Helper()
	gridlock.Configure(gridlock.Config{Output: io.Discard})
	var a, b gsync.Mutex
	gridlock.Name(&a, "accounts")
	gridlock.Name(&b, "ledger")
	first, second := make(chan bool), make(chan bool)
	go func() {
		a.Lock()
		first <- true
		<-second
		b.Lock() // deadlocks
	}()
	go func() {
		<-first
		b.Lock()
		second <- true
		a.Lock() // deadlocks
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(gridlock.Snapshot().Goroutines) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDumpOnSignal(t *testing.T) {
	abba(t)
	var buf lockedBuffer
	stop := gridlock.DumpOnSignal(syscall.SIGUSR1, &buf)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	var a *dump.Analysis
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b := buf.Bytes()
		if !bytes.HasSuffix(b, []byte("\n\n")) {
			continue
		}
		d, err := dump.ParseBytes(b)
		if err != nil || d.Snapshot == nil {
			continue
		}
		a = dump.Analyze(d)
		break
	}
	if a == nil {
		t.Fatalf("no dump after SIGUSR1:\n%s", buf.Bytes())
	}
	if a.Verdict() != report.Deadlock {
		var b bytes.Buffer
		a.WriteText(&b, true)
		t.Fatalf("verdict %q, want deadlock:\n%s", a.Verdict(), b.String())
	}
	if testing.Verbose() {
		var b bytes.Buffer
		a.WriteText(&b, false)
		t.Log(b.String())
	}
	f := a.Findings[0]
	if f.Certainty != report.Certain {
		t.Errorf("certainty %q: gridlock's snapshot names the holders, want certain", f.Certainty)
	}
	names := map[string]bool{}
	for _, r := range f.Resources {
		names[r.Name] = true
	}
	if !names["accounts"] || !names["ledger"] {
		t.Errorf("resources %v, want accounts and ledger", names)
	}
}

// TestSnapshotJSON analyzes the engine's snapshot alone, as JSON: the
// holders are exact, so the deadlock is certain.
func TestSnapshotJSON(t *testing.T) {
	abba(t)
	b, err := json.MarshalIndent(gridlock.Snapshot(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dump.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	a := dump.Analyze(d)
	if a.Verdict() != report.Deadlock || a.Findings[0].Certainty != report.Certain {
		var out bytes.Buffer
		a.WriteText(&out, true)
		t.Fatalf("verdict %q, want a certain deadlock:\n%s", a.Verdict(), out.String())
	}
}

func TestWriteDump(t *testing.T) {
	var b bytes.Buffer
	if err := gridlock.WriteDump(&b); err != nil {
		t.Fatal(err)
	}
	d, err := dump.ParseBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if d.Snapshot == nil || len(d.Goroutines) == 0 || d.Warning != "" {
		t.Errorf("snapshot %v, %d goroutines, warning %q", d.Snapshot != nil, len(d.Goroutines), d.Warning)
	}
}

func ExampleDumpOnSignal() {
	// In main: on SIGUSR1, write gridlock's wait-for graph and every
	// goroutine's stack to a file in os.TempDir(), for gridlock analyze.
	stop := gridlock.DumpOnSignal(syscall.SIGUSR1, nil)
	defer stop()
}

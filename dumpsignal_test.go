package gridlock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/dump"
	"github.com/gridlock-go/gridlock/report"
	gsync "github.com/gridlock-go/gridlock/sync"
)

// The deadlock of these tests lives in a child process (this test binary
// run again), so that the engine of the tests that follow never sees it.

const childEnv = "GRIDLOCK_DUMPSIGNAL_CHILD"

// TestDumpSignalChild is the child: it deadlocks two goroutines on
// gridlock's mutexes, prints the engine's snapshot as JSON, dumps on
// SIGUSR1 and waits to be killed.
func TestDumpSignalChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the child process of TestDumpOnSignal")
	}
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
	for deadline := time.Now().Add(5 * time.Second); len(gridlock.Snapshot().Goroutines) < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	stop := gridlock.DumpOnSignal(syscall.SIGUSR1, os.Stdout)
	defer stop()
	snap, _ := json.MarshalIndent(gridlock.Snapshot(), "", "  ")
	fmt.Printf("%s\nready\n", snap)
	time.Sleep(time.Minute)
}

// child starts the child and returns it with its output so far.
type child struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *child) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(p)
}

func (c *child) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

func startChild(t *testing.T) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^TestDumpSignalChild$")}
	c.cmd.Env = append(os.Environ(), childEnv+"=1")
	c.cmd.Stdout = c
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	for deadline := time.Now().Add(20 * time.Second); !bytes.Contains(c.bytes(), []byte("\nready\n")); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the child is not ready:\n%s", c.bytes())
		}
	}
	return c
}

func TestDumpOnSignal(t *testing.T) {
	c := startChild(t)
	_, before, _ := bytes.Cut(c.bytes(), []byte("\nready\n"))
	if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	// Wait for the dump to be complete: its output stops growing.
	var out []byte
	for deadline, last := time.Now().Add(10*time.Second), -1; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b := c.bytes()
		_, out, _ = bytes.Cut(b, []byte("\nready\n"))
		if len(out) > len(before) && len(out) == last {
			break
		}
		last = len(out)
	}
	d, err := dump.ParseBytes(out)
	if err != nil || d.Snapshot == nil {
		t.Fatalf("no dump with a snapshot after SIGUSR1 (%v):\n%s", err, out)
	}
	a := dump.Analyze(d)
	if a.Verdict() != report.Deadlock {
		var b bytes.Buffer
		a.WriteText(&b, true)
		t.Fatalf("verdict %q, want deadlock:\n%s", a.Verdict(), b.String())
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

// TestSnapshotJSON analyzes the engine's snapshot alone, as indented JSON:
// the holders are exact, so the deadlock is certain.
func TestSnapshotJSON(t *testing.T) {
	c := startChild(t)
	snap, _, _ := bytes.Cut(c.bytes(), []byte("\nready\n"))
	d, err := dump.ParseBytes(snap)
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

package gridlock_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/sync"
)

// TestLogger checks that a finding becomes one structured record of the
// program's logger, naming its kind, goroutines, locks and sites, and that
// correct code logs nothing.
func TestLogger(t *testing.T) {
	var buf syncBuffer
	gridlock.Configure(gridlock.Config{Output: io.Discard, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	t.Cleanup(func() { gridlock.Configure(gridlock.Config{Output: os.Stderr}) })

	var a, b sync.Mutex
	gridlock.Name(&a, "logger_test.a")
	gridlock.Name(&b, "logger_test.b")
	n := 0
	// Correct code first: the same order twice.
	for range 2 {
		run(func() { a.Lock(); b.Lock(); n++; b.Unlock(); a.Unlock() })
	}
	if buf.String() != "" {
		t.Fatalf("correct code logged:\n%s", buf.String())
	}
	// Then the other order: a lock-order inversion.
	run(func() { b.Lock(); a.Lock(); n++; a.Unlock(); b.Unlock() })
	if n != 3 {
		t.Fatal(n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for buf.String() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d records, want 1:\n%s", len(lines), buf.String())
	}
	var rec struct {
		Level      string
		Msg        string
		Kind       string
		Summary    string
		Goroutines []struct{ ID int64 }
		Resources  []struct{ ID, Kind, Class string }
		Sites      []string
		Key, Doc   string
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("%v: %s", err, lines[0])
	}
	if rec.Kind != "lock-order-inversion" || rec.Level != "WARN" || !strings.HasPrefix(rec.Msg, "gridlock: ") || rec.Summary == "" || rec.Key == "" || !strings.HasSuffix(rec.Doc, "lock-order-inversion.md") {
		t.Errorf("record = %+v", rec)
	}
	if len(rec.Goroutines) != 2 || rec.Goroutines[0].ID == rec.Goroutines[1].ID {
		t.Errorf("goroutines = %+v, want the two that took the locks", rec.Goroutines)
	}
	var classes []string
	for _, r := range rec.Resources {
		classes = append(classes, r.Class)
	}
	slices.Sort(classes)
	if !slices.Equal(classes, []string{"logger_test.a", "logger_test.b"}) {
		t.Errorf("resources = %+v, want logger_test.a and logger_test.b", rec.Resources)
	}
	if len(rec.Sites) == 0 || !strings.Contains(rec.Sites[0], "logger_test.go:") {
		t.Errorf("sites = %v, want positions in logger_test.go", rec.Sites)
	}
}

// run runs f in a goroutine of its own and waits for it.
func run(f func()) {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	<-done
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

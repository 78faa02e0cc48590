package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/debughttp/api"
)

// liveView serves the snapshot and findings of internal/top's testdata as
// a program's /debug/gridlock/ does: two goroutines in a deadlock (main.transferAB
// and main.transferBA, named teller-ab and teller-ba), six workers waiting on a
// channel, and the deadlock finding.
func liveView(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for path, file := range map[string]string{api.PathSnapshot: "snapshot.json", api.PathFindings: "findings.json"} {
		b, err := os.ReadFile("../../internal/top/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc(api.Root+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestTopOnce(t *testing.T) {
	srv := liveView(t)
	r := gridlock(t, t.TempDir(), "top", "-once", srv.URL)
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	for _, want := range []string{"GOROUTINES (4)", "main.transferAB", "main.transferBA", "RESOURCES (3)", "main.accountA", "FINDINGS (1)", "deadlock"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q\n%s", want, r)
		}
	}
	// Not a terminal: the same, without -once.
	if r2 := gridlock(t, t.TempDir(), "top", srv.URL); r2.code != 0 || r2.stdout != r.stdout {
		t.Errorf("top without a terminal differs from -once\n%s", r2)
	}
}

func TestTopBadInput(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"top"}, 2, "usage: gridlock top"},
		{[]string{"top", "-every", "0", "x:1"}, 2, "-every must be positive"},
		{[]string{"top", "ftp://x/"}, 2, "not an http or https URL"},
		{[]string{"top", "-once", srv.URL}, 1, "404 Not Found"},
		{[]string{"top", "-once", "127.0.0.1:1"}, 1, "connection refused"},
		{[]string{"run", "-http", "6060", "./cmd/app"}, 2, "-http 6060: want host:port or :port"},
	}
	for _, tt := range tests {
		r := gridlock(t, t.TempDir(), tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("gridlock %s: want exit %d and %q\n%s", strings.Join(tt.args, " "), tt.code, tt.want, r)
		}
	}
}

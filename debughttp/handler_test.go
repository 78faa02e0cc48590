package debughttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock"
	"github.com/gridlock-go/gridlock/debughttp"
	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/sync"
)

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestRoutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", debughttp.Handler()))
	for _, tc := range []struct {
		h            http.Handler
		method, path string
		code         int
		ctype        string // a prefix of the Content-Type
		body         string // a part of the body
	}{
		{http.DefaultServeMux, "GET", "/debug/gridlock/", 200, "text/html", `src="assets/app.js"`},
		{http.DefaultServeMux, "HEAD", "/debug/gridlock/", 200, "text/html", ""},
		{http.DefaultServeMux, "GET", "/debug/gridlock", muxRedirect(), "", ""}, // the mux's redirect
		{debughttp.Handler(), "GET", "/debug/gridlock", 301, "", ""},
		{http.DefaultServeMux, "POST", "/debug/gridlock/api/snapshot", 405, "", "read-only"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/api/snapshot", 200, "application/json", `"groups"`},
		{http.DefaultServeMux, "GET", "/debug/gridlock/api/snapshot?listed=3", 200, "application/json", `"groups"`},
		{http.DefaultServeMux, "GET", "/debug/gridlock/api/snapshot?listed=0", 400, "", "listed"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/api/snapshot?listed=x", 400, "", "listed"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/api/findings", 200, "application/json", "["},
		{http.DefaultServeMux, "GET", "/debug/gridlock/metrics", 200, "text/plain; version=0.0.4", "# TYPE gridlock_lock_acquisitions_total counter"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/assets/app.js", 200, "text/javascript", "dagre.layout"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/assets/dagre/dagre.min.js", 200, "text/javascript", "graphlib"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/assets/dagre/LICENSE", 200, "text/plain", "Chris Pettitt"},
		{http.DefaultServeMux, "GET", "/debug/gridlock/assets/dagre", 404, "", ""},
		{http.DefaultServeMux, "GET", "/debug/gridlock/assets/", 404, "", ""},
		{debughttp.Handler(), "GET", "/debug/gridlock/assets/../debughttp.go", 404, "", ""},
		{http.DefaultServeMux, "GET", "/debug/gridlock/nothing", 404, "", ""},
		{mux, "GET", "/admin/", 200, "text/html", "<title>"},
		{mux, "GET", "/admin/api/findings", 200, "application/json", "["},
	} {
		w := serve(tc.h, tc.method, tc.path)
		if w.Code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.code)
			continue
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, ct, tc.ctype)
		}
		if !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: body lacks %q", tc.method, tc.path, tc.body)
		}
	}
	// The page runs no inline script, and says so.
	w := serve(http.DefaultServeMux, "GET", "/debug/gridlock/")
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if strings.Contains(w.Body.String(), "<script>") || strings.Contains(w.Body.String(), "http://") || strings.Contains(w.Body.String(), "https://") {
		t.Error("the page has an inline script or refers to another site")
	}
}

var classRuns int

// TestClassMetrics checks the per-class metrics of a lock of correct
// code, contended once, and that it makes no finding.
func TestClassMetrics(t *testing.T) {
	h := debughttp.Handler()
	serve(h, "GET", api.Root+api.PathMetrics) // the first request turns metrics on
	var mu sync.Mutex
	classRuns++ // a class of its own in each run of the test (-count)
	class := fmt.Sprintf("debughttp_test.counter%d", classRuns)
	gridlock.Name(&mu, class)
	const n = 100
	count := 0
	for range n {
		mu.Lock()
		count++
		mu.Unlock()
	}
	mu.Lock()
	done := make(chan struct{})
	go func() {
		mu.Lock()
		count++
		mu.Unlock()
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	mu.Unlock()
	<-done
	if count != n+1 {
		t.Fatal(count)
	}

	w := serve(h, "GET", api.Root+api.PathMetrics)
	ms, err := parseExposition(w.Body.String())
	if err != nil {
		t.Fatal(err)
	}
	labels := `class="` + class + `",kind="mutex"`
	for _, c := range []struct {
		series string
		min    float64
	}{
		{"gridlock_lock_acquisitions_total{" + labels + "}", n + 2},
		{"gridlock_lock_contended_acquisitions_total{" + labels + "}", 1},
		{"gridlock_lock_wait_seconds_count{" + labels + "}", 1},
		{"gridlock_lock_wait_seconds_sum{" + labels + "}", 0.01},
		// One hold in 16 is timed.
		{"gridlock_lock_hold_seconds_count{" + labels + "}", (n + 2) / 16},
		{"gridlock_lock_hold_seconds_bucket{" + labels + `,le="+Inf"}`, (n + 2) / 16},
	} {
		if v := ms.value(c.series); v < c.min {
			t.Errorf("%s = %v, want >= %v", c.series, v, c.min)
		}
	}
	if v := ms.value("gridlock_lock_contended_acquisitions_total{" + labels + "}"); v > 1 {
		t.Errorf("%v contended acquisitions, want 1", v)
	}
	if v := ms.value("gridlock_lock_hold_seconds_count{" + labels + "}"); v > (n+2)/16+1 {
		t.Errorf("%v holds timed, want one in 16 of %d", v, n+2)
	}

	var fs []*report.Finding
	if err := json.Unmarshal(serve(h, "GET", api.Root+api.PathFindings).Body.Bytes(), &fs); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Errorf("correct code reported: %s: %s", f.Kind, f.Summary)
	}
	var s api.Snapshot
	if err := json.Unmarshal(serve(h, "GET", api.Root+api.PathSnapshot).Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Cycles) > 0 || s.Findings > 0 {
		t.Errorf("correct code: cycles %v, %d findings", s.Cycles, s.Findings)
	}
}

// A program serves the live view on a loopback listener of its own, apart
// from the listener its users reach.
func ExampleHandler() {
	admin := http.NewServeMux()
	admin.Handle("/debug/gridlock/", debughttp.Handler())
	go http.ListenAndServe("127.0.0.1:6060", admin)
}

// muxRedirect returns the status with which a ServeMux redirects a path
// without its trailing slash: 301 on Go 1.24, 307 on the newer releases.
func muxRedirect() int {
	mux := http.NewServeMux()
	mux.Handle("/x/", http.NotFoundHandler())
	return serve(mux, "GET", "/x").Code
}

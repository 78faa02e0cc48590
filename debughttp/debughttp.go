// Package debughttp serves a live view of the program's goroutines, locks
// and channels as gridlock sees them: a web page, JSON and Prometheus
// metrics.
//
// As with net/http/pprof, importing the package for its side effect
// registers its handler on http.DefaultServeMux, at /debug/gridlock/:
//
//	import _ "github.com/gridlock-go/gridlock/debughttp"
//
// A program that serves another mux mounts Handler:
//
//	mux.Handle("/debug/gridlock/", debughttp.Handler())
//
// The endpoints, relative to /debug/gridlock/:
//
//   - the page itself: goroutines grouped by stack and state, with their
//     counts and how long they have waited; the locks and channels they
//     hold and wait for; the wait-for graph, its cycles highlighted; the
//     findings with their stacks and source positions. It refreshes
//     itself, and its scripts are served by the handler: it works offline.
//   - api/snapshot: the live wait-for graph as JSON (an api.Snapshot).
//   - api/findings: the findings so far as a JSON array, in the schema of
//     gridlock test -json (report.Finding).
//   - metrics: Prometheus text exposition: per lock class acquisitions,
//     contended acquisitions and histograms of wait and hold times;
//     findings by kind; goroutines blocked by kind of resource.
//
// The handler only reads: nothing it does changes the program. It shows
// what a goroutine dump shows (function names, source positions, lock
// names), as net/http/pprof does; serve it, like pprof, on an admin or
// loopback listener, never on the public one:
//
//	go http.ListenAndServe("127.0.0.1:6060", nil)
//
// Per-class metrics are collected from the first request to the handler
// on: until then, the lock paths pay one atomic load for them.
package debughttp

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
)

func init() {
	http.Handle(api.Root, Handler())
}

//go:embed assets
var assets embed.FS

// maxListed bounds the listed query parameter of api/snapshot.
const maxListed = 10000

// Handler returns the handler of the live view. Mount it at a path that
// ends in "/debug/gridlock/", or strip the prefix before it (the page
// refers to its endpoints by relative URLs).
func Handler() http.Handler { return handler{} }

type handler struct{}

func (handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !engine.MetricsEnabled() {
		engine.EnableMetrics()
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: the live view is read-only", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if i := strings.LastIndex(p, api.Root); i >= 0 {
		p = p[i+len(api.Root):]
	} else if strings.HasSuffix(p, strings.TrimSuffix(api.Root, "/")) {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	} else {
		p = strings.TrimPrefix(p, "/")
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	switch p {
	case "", "index.html":
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		serveAsset(w, r, "assets/index.html")
	case api.PathSnapshot:
		listed := engine.DefaultListed
		if v := r.URL.Query().Get("listed"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxListed {
				http.Error(w, "listed: want a number from 1 to "+strconv.Itoa(maxListed), http.StatusBadRequest)
				return
			}
			listed = n
		}
		writeJSON(w, engine.LiveSnapshot(listed))
	case api.PathFindings:
		h.Set("Content-Type", "application/json")
		report.WriteJSON(w, engine.Findings())
	case api.PathMetrics:
		h.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		writeMetrics(w)
	default:
		if strings.HasPrefix(p, "assets/") && !strings.HasSuffix(p, "/") {
			serveAsset(w, r, p)
			return
		}
		http.NotFound(w, r)
	}
}

// serveAsset serves an embedded file.
func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	if st, err := fs.Stat(assets, name); err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	http.ServeFileFS(w, r, assets, name)
}

// writeJSON writes v as indented JSON.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

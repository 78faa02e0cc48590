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
	"net/http"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/internal/livehttp"
)

func init() {
	http.Handle(api.Root, Handler())
}

// Handler returns the handler of the live view. Mount it at a path that
// ends in "/debug/gridlock/", or strip the prefix before it (the page
// refers to its endpoints by relative URLs).
func Handler() http.Handler { return livehttp.Handler() }

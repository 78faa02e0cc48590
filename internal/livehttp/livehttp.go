// Package livehttp is the live view's handler: package debughttp's,
// without the registration on http.DefaultServeMux that importing
// debughttp does. See package debughttp for what it serves.
package livehttp

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/internal/engine"
	"github.com/gridlock-go/gridlock/report"
)

//go:embed assets
var assets embed.FS

// maxListed bounds the listed query parameter of api/snapshot.
const maxListed = 10000

// Handler returns the handler of the live view. Mount it at a path that
// ends in "/debug/gridlock/", or strip the prefix before it (the page
// refers to its endpoints by relative URLs). Unlike package debughttp,
// this package registers nothing: gridlock run serves it on a listener of
// its own, never on the program's.
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
		writeJSON(w, snapshot(listed))
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

// Snapshots stop the world for a time that grows with the number of
// goroutines: requests that come within snapshotShare times the last
// snapshot's duration (and at least minSnapshotAge) after it share it, so
// that a few pages refreshing, or a scraper, cost the program at most
// about a fifth of its time, whatever its size.
const (
	snapshotShare  = 4
	minSnapshotAge = 100 * time.Millisecond
)

var last struct {
	mu     sync.Mutex
	s      *api.Snapshot
	listed int
	at     time.Time
}

// snapshot returns a live snapshot, possibly shared with other requests.
func snapshot(listed int) *api.Snapshot {
	last.mu.Lock()
	defer last.mu.Unlock()
	if s := last.s; s != nil && last.listed == listed {
		took := time.Duration(s.TookSeconds * float64(time.Second))
		if time.Since(last.at) < max(minSnapshotAge, snapshotShare*took) {
			return s
		}
	}
	s := engine.LiveSnapshot(listed)
	last.s, last.listed, last.at = s, listed, time.Now()
	return s
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

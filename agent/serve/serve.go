// Package serve is the part of gridlock run -http that runs inside the
// program: it serves the live view of package debughttp (the page,
// api/snapshot, api/findings, metrics) on the address the command gives
// it, on a mux and a listener of its own: nothing is registered on
// http.DefaultServeMux. The file gridlock run -http adds to the main
// package calls Start when the program starts; a program never calls it
// itself (it imports debughttp).
//
// Unlike the rest of the agent, the server has goroutines: its accept
// loop and one per connection. gridlock's decisions leave them out, as
// they leave out the agent's own (see package stuck): a program whose own
// goroutines are all blocked for good is still frozen while the page
// shows it.
package serve

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gridlock-go/gridlock/agent"
	"github.com/gridlock-go/gridlock/internal/livehttp"
)

// Start serves the live view on the address of $GRIDLOCK_HTTP, if it is
// set, and writes the address it listens on (with the port chosen, for
// port 0) to <pid>.http in the agent's directory. An address without a
// host (":6060") is served on the loopback interface only. If the
// address cannot be listened on, Start prints why on standard error and
// exits with status 2: the program was asked to be looked at.
func Start() {
	addr := os.Getenv(agent.HTTPEnv)
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", Loopback(addr))
	if err != nil {
		fmt.Fprintf(os.Stderr, "gridlock: -http %s: %v\n", addr, err)
		os.Exit(2)
	}
	if dir := os.Getenv(agent.DirEnv); dir != "" {
		path := filepath.Join(dir, strconv.Itoa(os.Getpid())+".http")
		if err := os.WriteFile(path+".tmp", []byte(ln.Addr().String()), 0o644); err == nil {
			os.Rename(path+".tmp", path)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/gridlock/", livehttp.Handler())
	mux.Handle("/", http.RedirectHandler("/debug/gridlock/", http.StatusFound))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go serve(srv, ln)
}

func serve(srv *http.Server, ln net.Listener) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(os.Stderr, "gridlock: -http: %v\n", err)
	}
}

// Loopback returns addr with the loopback interface as its host when it
// has none (":6060" becomes "127.0.0.1:6060"); other addresses are
// returned as they are.
func Loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// Config is the re-read of a configuration under its RWMutex: a handler
// read-locks the configuration and calls a helper that read-locks it
// again. It works until a reload (a writer) arrives between the two: Go's
// RWMutex then blocks the second RLock behind the writer, which waits for
// the first RLock to end. gridlock reports the recursive read lock the
// first time it happens, even when no writer is around.
//
// The fix passes the configuration the handler already read to the helper.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/gridlock-go/gridlock/sync"
)

// Config is a service's configuration.
type Config struct {
	Timeout time.Duration
	Retries int
}

// Server serves with a reloadable configuration.
type Server struct {
	mu  sync.RWMutex // guards cfg
	cfg Config
}

// Reload replaces the configuration.
func (s *Server) Reload(c Config) {
	s.mu.Lock()
	s.cfg = c
	s.mu.Unlock()
}

// Handle reads the configuration and computes a deadline. The bug: it
// calls timeout, which read-locks again.
func (s *Server) Handle() time.Duration {
	s.mu.RLock() // read the configuration
	defer s.mu.RUnlock()
	return time.Duration(s.cfg.Retries) * s.timeout()
}

func (s *Server) timeout() time.Duration {
	s.mu.RLock() // and read it again
	defer s.mu.RUnlock()
	return s.cfg.Timeout
}

// HandleFixed reads the configuration once. The fix.
func (s *Server) HandleFixed() time.Duration {
	s.mu.RLock()
	c := s.cfg
	s.mu.RUnlock()
	return time.Duration(c.Retries) * c.Timeout
}

func run(fixed bool) time.Duration {
	s := &Server{cfg: Config{Timeout: time.Second, Retries: 3}}
	s.Reload(Config{Timeout: 2 * time.Second, Retries: 3})
	if fixed {
		return s.HandleFixed()
	}
	return s.Handle()
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	fmt.Printf("deadline: %v\n", run(*fixed))
}

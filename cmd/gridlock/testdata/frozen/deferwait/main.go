// Command deferwait stops a server loop while holding, through a deferred
// unlock, the lock the loop takes on its way out.
package main

import (
	"sync"
	"time"

	"example.com/frozen/internal/harness"
)

// Server runs a loop until stopped.
type Server struct {
	mu      sync.Mutex
	state   string
	quit    chan struct{}
	stopped chan struct{}
}

func (s *Server) loop() {
	for {
		select {
		case <-s.quit:
			s.mu.Lock()
			s.state = "stopped"
			s.mu.Unlock()
			close(s.stopped)
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// Stop asks the loop to end and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = "stopping"
	close(s.quit)
	<-s.stopped
}

func main() {
	s := &Server{quit: make(chan struct{}), stopped: make(chan struct{})}
	go s.loop()
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.Stop()
	}()
	harness.Wait()
}

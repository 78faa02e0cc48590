// Command server is healthy: an accept loop waits on a channel of
// connections that a listener goroutine, blocked in I/O, feeds; handlers
// wait for requests on their connections.
package main

import (
	"net"
	"sync"

	"example.com/frozen/internal/harness"
)

// Server hands accepted connections to handlers.
type Server struct {
	mu    sync.Mutex
	conns chan net.Conn
	open  map[net.Conn]bool
}

func (s *Server) listen(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			close(s.conns)
			return
		}
		s.conns <- c
	}
}

func (s *Server) serve() {
	for c := range s.conns {
		s.mu.Lock()
		s.open[c] = true
		s.mu.Unlock()
		go s.handle(c)
	}
}

func (s *Server) handle(c net.Conn) {
	buf := make([]byte, 1)
	c.Read(buf)
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &Server{conns: make(chan net.Conn), open: map[net.Conn]bool{}}
	go s.listen(ln)
	go s.serve()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err == nil {
		defer c.Close()
	}
	harness.Wait()
}

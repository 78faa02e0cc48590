package main

import (
	"strings"
	"testing"
)

// The code of a throwaway module whose locks are classed by declaration.
var classesModule = map[string]string{
	// Server.mu → Conn.mu on one connection, Conn.mu → Server.mu on
	// another: an inversion between two classes, on other instances.
	"proxy/proxy.go": `package proxy

import "sync"

type Server struct {
	mu    sync.Mutex
	conns map[*Conn]bool
}

type Conn struct {
	mu     sync.Mutex
	srv    *Server
	closed bool
}

func (s *Server) Add(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.mu.Lock() // server, then conn
	c.srv = s
	c.mu.Unlock()
	s.conns[c] = true
}

func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.srv.mu.Lock() // conn, then server
	delete(c.srv.conns, c)
	c.srv.mu.Unlock()
}
`,
	"proxy/proxy_test.go": `package proxy

import "testing"

func TestProxy(t *testing.T) {
	s := &Server{conns: map[*Conn]bool{}}
	done := make(chan bool)
	go func() { s.Add(&Conn{}); close(done) }()
	<-done
	c := &Conn{srv: s}
	c.Close()
}
`,
	// Nodes of a list locked hand over hand, parent before child, by
	// several goroutines: one class nested in a consistent order.
	"list/list.go": `package list

import "sync"

type Node struct {
	sync.Mutex
	next *Node
	n    int
}

func Walk(head *Node) {
	head.Lock()
	for n := head; n.next != nil; n = n.next {
		n.next.Lock()
		n.n++
		n.Unlock()
	}
}
`,
	"list/list_test.go": `package list

import (
	"sync"
	"testing"
)

func TestWalk(t *testing.T) {
	var head *Node
	for range 5 {
		head = &Node{next: head}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				Walk(head)
				n := head
				for n.next != nil {
					n = n.next
				}
				n.Unlock()
			}
		}()
	}
	wg.Wait()
}
`,
	// A callback serializer: one goroutine of the package's own runs
	// callbacks that take A then B and B then A. It cannot deadlock with
	// itself.
	"ser/ser.go": serializer,
	"ser/ser_test.go": `package ser

import "testing"

func TestSerializer(t *testing.T) {
	s := NewSerializer()
	st := &State{}
	for range 3 {
		s.Schedule(st.AB)
		s.Schedule(st.BA)
	}
	s.Close()
}
`,
	// The same, then the test's goroutine takes A then B too: now two
	// goroutines can deadlock.
	"ser2/ser.go": strings.Replace(serializer, "package ser", "package ser2", 1),
	"ser2/ser_test.go": `package ser2

import "testing"

func TestSerializer(t *testing.T) {
	s := NewSerializer()
	st := &State{}
	s.Schedule(st.AB)
	s.Schedule(st.BA)
	s.Close()
	st.AB()
}
`,
}

const serializer = `package ser

import "sync"

type Serializer struct {
	ch   chan func()
	done chan struct{}
}

func NewSerializer() *Serializer {
	s := &Serializer{ch: make(chan func()), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *Serializer) run() {
	for f := range s.ch {
		f()
	}
	close(s.done)
}

func (s *Serializer) Schedule(f func()) { s.ch <- f }

func (s *Serializer) Close() { close(s.ch); <-s.done }

type State struct {
	a, b sync.Mutex
}

func (st *State) AB() {
	st.a.Lock()
	st.b.Lock()
	st.b.Unlock()
	st.a.Unlock()
}

func (st *State) BA() {
	st.b.Lock()
	st.a.Lock()
	st.a.Unlock()
	st.b.Unlock()
}
`

func TestLockClassesFromDeclarations(t *testing.T) {
	dir := module(t, classesModule)
	r := gridlock(t, dir, "test", "./...")
	byPkg := map[string][]finding{}
	for _, f := range r.findings {
		byPkg[f.Package] = append(byPkg[f.Package], f)
	}
	for _, tc := range []struct {
		pkg, summary string
		goroutines   int
	}{
		{"example.com/m/proxy", "locks taken in a cyclic order: proxy.Conn.mu → proxy.Server.mu → proxy.Conn.mu", 2},
		{"example.com/m/list", "", 0},
		{"example.com/m/ser", "", 0},
		{"example.com/m/ser2", "locks taken in a cyclic order: ser2.State.b → ser2.State.a → ser2.State.b", 2},
	} {
		fs := byPkg[tc.pkg]
		if tc.summary == "" {
			if len(fs) != 0 {
				t.Errorf("%s: %d findings, want none: %v", tc.pkg, len(fs), fs)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Kind != "lock-order-inversion" || fs[0].Summary != tc.summary {
			t.Errorf("%s: findings %+v, want one lock-order-inversion %q", tc.pkg, fs, tc.summary)
			continue
		}
		if len(fs[0].Goroutines) != tc.goroutines {
			t.Errorf("%s: %d goroutines, want %d", tc.pkg, len(fs[0].Goroutines), tc.goroutines)
		}
	}
	// The orders name the instances that showed them.
	for _, want := range []string{"Conn.mu of *Conn 0x", "Server.mu of *Server 0x", "State.a of *State 0x"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the report does not name a lock %q...:\n%s", want, r.stderr)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r)
	}
}

package a

import (
	"net"
	"os"
	"sync"
	"time"
)

type Server struct {
	mu     sync.Mutex
	rw     sync.RWMutex
	events chan string
	done   chan struct{}
	wg     sync.WaitGroup
	cond   *sync.Cond
	ready  bool
	other  sync.Mutex
}

func NewServer() *Server {
	s := &Server{events: make(chan string)}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Caught: the article's broadcast task sending while holding the lock.

func (s *Server) Send(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events <- msg // want `lock-held-across-blocking: s.mu held while the goroutine sends on s.events`
}

func (s *Server) Recv() string {
	s.rw.RLock()
	m := <-s.events // want `s.rw held while the goroutine receives from s.events`
	s.rw.RUnlock()
	return m
}

func (s *Server) Drain() {
	s.mu.Lock()
	for m := range s.events { // want `s.mu held while the goroutine receives from s.events`
		_ = m
	}
	s.mu.Unlock()
}

func (s *Server) Wait() {
	s.mu.Lock()
	select { // want `s.mu held while the goroutine waits in a select without default`
	case <-s.done:
	case m := <-s.events:
		_ = m
	}
	s.mu.Unlock()
}

func (s *Server) Join() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wg.Wait() // want `s.mu held while the goroutine waits for a sync.WaitGroup`
}

func (s *Server) Nap() {
	s.mu.Lock()
	time.Sleep(time.Second) // want `s.mu held while the goroutine sleeps`
	s.mu.Unlock()
}

func (s *Server) Dial() (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.Dial("tcp", "localhost:1") // want `s.mu held across a call that may block: net.Dial → .*`
}

func (s *Server) ReadConfig() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return os.ReadFile("config") // want `s.mu held while the goroutine does file I/O \(os.ReadFile\)`
}

// A Cond.Wait holding a lock other than its own.
func (s *Server) WaitReadyHoldingOther() {
	s.other.Lock()
	s.mu.Lock()
	for !s.ready {
		s.cond.Wait() // want `s.other held while the goroutine waits on a sync.Cond`
	}
	s.mu.Unlock()
	s.other.Unlock()
}

// Through a helper in the same package.
func (s *Server) notify(m string) { s.events <- m }

func (s *Server) Publish(m string) {
	s.mu.Lock()
	s.notify(m) // want `s.mu held across a call that may block: \(\*a.Server\).notify → sends on s.events at a.go:\d+`
	s.mu.Unlock()
}

// Held on every path, across a branch.
func (s *Server) Branchy(x bool) {
	s.mu.Lock()
	if x {
		s.ready = true
	}
	<-s.done // want `s.mu held while the goroutine receives from s.done`
	s.mu.Unlock()
}

// Silent: the correct patterns.

func (s *Server) TrySend(msg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.events <- msg:
		return true
	default:
		return false
	}
}

func (s *Server) Spawn(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	go func() { s.events <- msg }()
}

func (s *Server) WaitReady() {
	s.mu.Lock()
	for !s.ready {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

func (s *Server) Buffered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan int, 2)
	ch <- 1
	ch <- 2
	close(ch)
	n := 0
	for v := range ch { // want `s.mu held while the goroutine receives from ch`
		n += v
	}
	return n
}

func (s *Server) Unlocked(msg string) {
	s.mu.Lock()
	s.ready = true
	s.mu.Unlock()
	s.events <- msg
}

func (s *Server) SometimesLocked(x bool, msg string) {
	if x {
		s.mu.Lock()
		s.ready = true
		s.mu.Unlock()
	}
	s.events <- msg
}

// A fork-join helper: waits only for goroutines it started.
func parallel(n int, f func(int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

func (s *Server) Fanout() {
	s.mu.Lock()
	defer s.mu.Unlock()
	parallel(4, func(int) {})
}

func (s *Server) Ignored(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	//gridlock:ignore lock-held-across-blocking the consumer never takes s.mu
	s.events <- msg
}

func (s *Server) IgnoredUnused() {
	s.mu.Lock() /* want "gridlock:ignore lock-held-across-blocking suppresses nothing" */ //gridlock:ignore lock-held-across-blocking nothing blocks here
	s.ready = true
	s.mu.Unlock()
}

// A select bounded by a timeout.
func (s *Server) PostWithTimeout(msg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.events <- msg:
		return true
	case <-time.After(50 * time.Millisecond):
		return false
	}
}

func (s *Server) PostWithTimer(msg string) bool {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.events <- msg:
		return true
	case <-t.C:
		return false
	}
}

// check returns a channel it made, fed by a goroutine it started.
func check() <-chan error {
	ch := make(chan error)
	go func() {
		defer close(ch)
		ch <- nil
	}()
	return ch
}

// commit waits only for the work check started: bounded.
func commit() error {
	for err := range check() {
		return err
	}
	return nil
}

func (s *Server) Commit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return commit()
}

// restoreWorker returns channels it made, served by a goroutine it started.
func restoreWorker() (chan<- int, <-chan int) {
	in, out := make(chan int), make(chan int, 1)
	go func() {
		n := 0
		for v := range in {
			n += v
		}
		out <- n
	}()
	return in, out
}

func restore() int {
	in, out := restoreWorker()
	in <- 1
	close(in)
	return <-out
}

func (s *Server) Restore() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return restore()
}

// One send on each path, on a channel with room for one.
func (s *Server) Initial(ok bool) chan string {
	ch := make(chan string, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		ch <- "ok"
	} else {
		ch <- "unknown"
	}
	return ch
}

// Drop the stale value, then send: the lock serializes the senders.
func (s *Server) Latest(update chan string, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-update:
	default:
	}
	update <- v
}

// waitUnlocked releases its caller's lock while it waits.
func (s *Server) waitUnlocked() {
	s.mu.Unlock()
	<-s.done
	s.mu.Lock()
}

func (s *Server) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waitUnlocked()
}

// feed sends on a channel its caller passes in.
func feed(out chan<- int, n int) {
	for i := range n {
		out <- i
	}
}

// sum feeds a channel it made to a goroutine it started: bounded.
func sum(n int) int {
	ch := make(chan int)
	res := make(chan int)
	go func() {
		t := 0
		for v := range ch {
			t += v
		}
		res <- t
	}()
	feed(ch, n)
	close(ch)
	return <-res
}

func (s *Server) Sum() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sum(3)
}

// Feed passes a channel it did not make: its caller may block.
func (s *Server) Feed(out chan int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	feed(out, 3) // want `s.mu held across a call that may block: a.feed → sends on out`
}

// refreshAll waits for goroutines it started, through a pointer to a wait
// group it made.
func refreshAll(n int) {
	wg := &sync.WaitGroup{}
	for range n {
		wg.Add(1)
		go func() { defer wg.Done() }()
	}
	wg.Wait()
}

func (s *Server) Refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	refreshAll(3)
}

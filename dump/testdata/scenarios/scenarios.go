package main

import (
	"context"
	"io"
	"net"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var scenarios = map[string]func(){
	"abba":       abba,
	"rwmutex":    rwmutex,
	"chancycle":  chancycle,
	"waitgroup":  waitgroup,
	"cond":       cond,
	"select":     selectDeadlock,
	"mixed":      mixed,
	"busyloop":   busyloop,
	"recursion":  recursion,
	"slowio":     slowio,
	"workerpool": workerpool,
	"pipeline":   pipeline,
	"idle":       func() {},
	"ticker":     ticker,
}

// Account is the bank account of the AB-BA deadlock.
type Account struct {
	mu      sync.Mutex
	balance int
}

// Transfer locks a then b: two opposite transfers deadlock.
func (a *Account) Transfer(to *Account, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	to.mu.Lock()
	defer to.mu.Unlock()
	a.balance -= n
	to.balance += n
}

func abba() {
	a, b := &Account{}, &Account{}
	res("a", &a.mu)
	res("b", &b.mu)
	go a.Transfer(b, 1)
	go b.Transfer(a, 1)
}

// Store is read-locked twice by one goroutine while a writer waits in
// between: the second RLock waits for the writer, the writer for the reader.
type Store struct {
	mu   sync.RWMutex
	data map[string]int
}

func (s *Store) Get(k string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data[k]
}

func (s *Store) Sum(keys []string, writerWaits chan bool) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	<-writerWaits
	time.Sleep(20 * time.Millisecond)
	n := 0
	for _, k := range keys {
		n += s.Get(k) // recursive read lock
	}
	return n
}

func (s *Store) Put(k string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[k] = v
}

func rwmutex() {
	s := &Store{data: map[string]int{}}
	res("rw", &s.mu)
	w := make(chan bool)
	go s.Sum([]string{"a"}, w)
	go func() {
		w <- true
		s.Put("a", 1)
	}()
}

// relay sends on out, then receives on in: two relays on crossed channels
// each wait to send to the other.
func relay(in <-chan int, out chan<- int) {
	out <- 1
	<-in
}

func chancycle() {
	c1, c2 := make(chan int), make(chan int)
	res("c1", c1)
	res("c2", c2)
	go relay(c1, c2)
	go relay(c2, c1)
}

// process returns early on an error without calling Done.
func process(wg *sync.WaitGroup, item int) {
	if item == 3 {
		return // bug: no wg.Done()
	}
	defer wg.Done()
}

func collect(wg *sync.WaitGroup, done chan<- bool) {
	wg.Wait()
	done <- true
}

func waitgroup() {
	var wg sync.WaitGroup
	res("wg", &wg)
	for i := range 5 {
		wg.Add(1)
		go process(&wg, i)
	}
	go collect(&wg, make(chan bool, 1))
}

// Queue loses a wake-up: the signal is sent before anyone waits.
type Queue struct {
	mu    sync.Mutex
	c     *sync.Cond
	items []int
}

func (q *Queue) Pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.c.Wait() // bug: waits without checking the condition
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

func cond() {
	q := &Queue{}
	q.c = sync.NewCond(&q.mu)
	res("cond", q.c)
	q.items = append(q.items, 1)
	q.c.Signal() // nobody waits yet: lost
	go q.Pop()
}

// waitEither selects on channels nobody will ever send on.
func waitEither(a, b chan int, quit chan struct{}) {
	select {
	case <-a:
	case <-b:
	case <-quit:
	}
}

func selectDeadlock() {
	a, b, quit := make(chan int), make(chan int), make(chan struct{})
	go waitEither(a, b, quit)
	go waitEither(b, a, quit)
}

// Hub holds its lock while it sends; its consumer needs the lock before it
// receives: a lock and a channel in one cycle.
type Hub struct {
	mu   sync.Mutex
	ch   chan int
	seen int
}

func (h *Hub) Broadcast(v int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ch <- v // lock held across a blocking send
}

func (h *Hub) Consume() {
	time.Sleep(20 * time.Millisecond)
	h.mu.Lock()
	h.seen++
	h.mu.Unlock()
	<-h.ch
}

func mixed() {
	h := &Hub{ch: make(chan int)}
	res("mu", &h.mu)
	res("ch", h.ch)
	go h.Broadcast(1)
	go h.Consume()
}

// Flag is waited for by spinning with its lock held; the goroutine that
// would set it needs the lock.
type Flag struct {
	mu  sync.Mutex
	set atomic.Bool
}

func (f *Flag) Spin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.set.Load() {
		// busy: never blocks, never yields
	}
}

func (f *Flag) Set() {
	time.Sleep(20 * time.Millisecond)
	f.mu.Lock()
	f.set.Store(true)
	f.mu.Unlock()
}

func busyloop() {
	f := &Flag{}
	res("mu", &f.mu)
	go f.Spin()
	go f.Set()
}

//go:noinline
func depth(n int) int {
	if n == 0 {
		return 0
	}
	return depth(n+1) + 1 // bug: n grows, the recursion never ends
}

func recursion() {
	runtime.GOMAXPROCS(2)
	go depth(1)
}

// Cache holds its lock while it refreshes from a slow backend.
type Cache struct {
	mu      sync.Mutex
	backend net.Conn
	val     []byte
}

func (c *Cache) Refresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := make([]byte, 1)
	io.ReadFull(c.backend, buf) // slow I/O under the lock
	c.val = buf
}

func (c *Cache) Get() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.val
}

func slowio() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			_ = conn // never answers
			go io.Copy(io.Discard, conn)
		}
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	c := &Cache{backend: conn}
	res("mu", &c.mu)
	go c.Refresh()
	time.Sleep(20 * time.Millisecond)
	for range 3 {
		go c.Get()
	}
}

// A healthy worker pool: workers wait for jobs a ticker-driven producer
// sends from time to time.
type Pool struct {
	jobs    chan int
	results chan int
}

func (p *Pool) worker() {
	for j := range p.jobs {
		p.results <- j * 2
	}
}

func (p *Pool) produce(t *time.Ticker) {
	i := 0
	for range t.C {
		p.jobs <- i
		i++
	}
}

func (p *Pool) drain() {
	for range p.results {
	}
}

func workerpool() {
	p := &Pool{jobs: make(chan int), results: make(chan int, 4)}
	for i := range 8 {
		go pprof.Do(context.Background(), pprof.Labels("worker", strconv.Itoa(i)), func(context.Context) { p.worker() })
	}
	go p.drain()
	go p.produce(time.NewTicker(time.Hour))
}

// A healthy pipeline of three stages fed by an idle source.
func stage(in <-chan int, out chan<- int) {
	for v := range in {
		out <- v + 1
	}
	close(out)
}

func pipeline() {
	src := make(chan int)
	a, b, c := make(chan int), make(chan int), make(chan int)
	go stage(src, a)
	go stage(a, b)
	go stage(b, c)
	go func() {
		for range c {
		}
	}()
	go func() {
		t := time.NewTicker(time.Hour)
		for range t.C {
			src <- 1
		}
	}()
}

func ticker() {
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		n := 0
		for range t.C {
			n++
		}
	}()
	var mu sync.Mutex
	go func() {
		for {
			mu.Lock()
			time.Sleep(time.Millisecond)
			mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
}

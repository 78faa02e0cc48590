// Package selecttrap is a deadlock kernel (article: the select trap).
//
// The article's select trap: a goroutine holds a lock while it selects on
// two results, and both producers need that lock first.
package selecttrap

import "sync"

type Service struct {
	mu    sync.Mutex
	cache map[string]string
}

func (s *Service) fromNet(out chan<- string) {
	s.mu.Lock() // held by Fetch
	s.cache["net"] = "x"
	s.mu.Unlock()
	out <- "net"
}

func (s *Service) fromDisk(out chan<- string) {
	s.mu.Lock() // held by Fetch
	s.cache["disk"] = "y"
	s.mu.Unlock()
	out <- "disk"
}

func (s *Service) Fetch() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, b := make(chan string), make(chan string)
	go s.fromNet(a)
	go s.fromDisk(b)
	select { // both cases need s.mu, which we hold
	case r := <-a:
		return r
	case r := <-b:
		return r
	}
}

package testfreeze

import (
	"sync"
	"testing"
	"time"
)

var audit sync.Mutex

func TestConcurrentAdd(t *testing.T) {
	s := &Store{}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.Add(func() {
			time.Sleep(20 * time.Millisecond)
			audit.Lock()
			audit.Unlock()
		})
	}()
	go func() {
		defer wg.Done()
		audit.Lock()
		defer audit.Unlock()
		time.Sleep(20 * time.Millisecond)
		s.Add(func() {})
	}()
	wg.Wait()
}

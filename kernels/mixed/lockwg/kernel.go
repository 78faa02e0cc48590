// Package lockwg is a deadlock kernel (mixed: lock and WaitGroup).
//
// The coordinator holds a lock while it waits for workers that each need
// the lock.
package lockwg

import "sync"

type Index struct {
	mu   sync.Mutex
	docs map[int]string
}

func (ix *Index) Rebuild(n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ix.mu.Lock() // held by Rebuild
			ix.docs[i] = "doc"
			ix.mu.Unlock()
		}(i)
	}
	wg.Wait() // with the lock held
}

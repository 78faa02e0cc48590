// Package three is a deadlock kernel (resource deadlock: AB-BA).
//
// A cycle of three locks over three goroutines: a then b, b then c, c then
// a.
package three

import "sync"

var locks [3]sync.Mutex

func worker(i int, ready *sync.WaitGroup, start chan struct{}) {
	locks[i].Lock()
	ready.Done()
	<-start
	locks[(i+1)%3].Lock() // the next lock, held by the next worker
	locks[(i+1)%3].Unlock()
	locks[i].Unlock()
}

func run() {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(3)
	done.Add(3)
	for i := 0; i < 3; i++ {
		go func(i int) { defer done.Done(); worker(i, &ready, start) }(i)
	}
	ready.Wait()
	close(start)
	done.Wait()
}

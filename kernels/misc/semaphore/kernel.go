// Package semaphore is a deadlock kernel (article: semaphore permits).
//
// The article's two tasks each holding one permit of a two-permit pool and
// needing a second.
package semaphore

import "sync"

func task(sem chan struct{}, ready *sync.WaitGroup, start chan struct{}) {
	sem <- struct{}{} // first permit
	ready.Done()
	<-start
	sem <- struct{}{} // second permit: the other task has it
	<-sem
	<-sem
}

func run() {
	sem := make(chan struct{}, 2)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(2)
	done.Add(2)
	for i := 0; i < 2; i++ {
		go func() { defer done.Done(); task(sem, &ready, start) }()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

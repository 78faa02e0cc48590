// Permits is the article's semaphore deadlock: a pool of two permits
// limits concurrent downloads, and a task that holds one permit acquires a
// second one for a sub-request. Two such tasks each hold one permit and
// wait for the other's. gridlock reports the first task that waits for
// permits while holding some (semaphore-hold-and-wait), then the deadlock.
//
// The fix (-fixed) acquires both permits a task needs at once.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridlock-go/gridlock"
	stdsync "sync"
)

func run(fixed bool, timeout time.Duration) bool {
	sem := gridlock.NewSemaphore(2)
	ctx := context.Background()
	var started stdsync.WaitGroup
	started.Add(2)
	done := make(chan bool, 2)
	task := func() {
		if fixed {
			sem.Acquire(ctx, 2) // everything the task needs, at once
			started.Done()
			sem.Release(2)
		} else {
			sem.Acquire(ctx, 1) // the download
			started.Done()
			started.Wait()      // (both tasks got theirs)
			sem.Acquire(ctx, 1) // the sub-request: none left
			sem.Release(2)
		}
		done <- true
	}
	gridlock.Go("task-a", task)
	gridlock.Go("task-b", task)
	for range 2 {
		select {
		case <-done:
		case <-time.After(timeout):
			return false
		}
	}
	return true
}

func main() {
	fixed := flag.Bool("fixed", false, "run the fixed version")
	flag.Parse()
	if !run(*fixed, 3*time.Second) {
		fmt.Println("the tasks are stuck, as reported above")
		os.Exit(1)
	}
	fmt.Println("both tasks done")
}

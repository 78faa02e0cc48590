// Command timeoutleak gives up on a slow computation after a timeout and
// returns: the goroutine computing it waits forever to send its result on
// a channel that nothing will receive from again.
package main

import (
	"errors"
	"time"

	"example.com/frozen/internal/harness"
)

func slow(n int) int {
	time.Sleep(30 * time.Millisecond)
	return n * 2
}

func fetch(n int) (int, error) {
	ch := make(chan int)
	go func() {
		ch <- slow(n)
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(5 * time.Millisecond):
		return 0, errors.New("timeout")
	}
}

func main() {
	for i := range 3 {
		fetch(i)
	}
	harness.Wait()
}

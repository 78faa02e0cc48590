// Package buffered is a deadlock kernel (correct: fixed first-error collection).
//
// The fixed CheckAll: the error channel has room for every worker, so none
// blocks after the caller returns.
package buffered

import "fmt"

func check(i int) error { return fmt.Errorf("worker %d failed", i) }

func CheckAll(n int) error {
	errc := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) { errc <- check(i) }(i)
	}
	return <-errc
}

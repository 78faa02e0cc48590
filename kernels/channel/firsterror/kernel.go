// Package firsterror is a deadlock kernel (communication deadlock: channel).
//
// N workers report errors on an unbuffered channel; the caller returns on
// the first, the others block for good (gRPC-style).
package firsterror

import "fmt"

func check(i int) error { return fmt.Errorf("worker %d failed", i) }

func CheckAll(n int) error {
	errc := make(chan error) // should be make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) { errc <- check(i) }(i)
	}
	return <-errc
}

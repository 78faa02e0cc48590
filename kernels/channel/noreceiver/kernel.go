// Package noreceiver is a deadlock kernel (communication deadlock: channel).
//
// The caller returns on the first error; the other worker blocks forever
// sending its result on an unbuffered channel.
package noreceiver

import (
	"errors"
	"time"
)

func fetch(i int) (int, error) {
	if i == 0 {
		return 0, errors.New("boom")
	}
	time.Sleep(10 * time.Millisecond) // the slow one
	return i, nil
}

func FetchAll() error {
	results := make(chan error) // unbuffered
	for i := 0; i < 2; i++ {
		go func(i int) {
			_, err := fetch(i)
			results <- err // blocks forever for the worker not read
		}(i)
	}
	for i := 0; i < 2; i++ {
		if err := <-results; err != nil {
			return err // returns early: the other send is never received
		}
	}
	return nil
}

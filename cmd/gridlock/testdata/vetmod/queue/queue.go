// Package queue blocks in Put.
package queue

type Queue struct{ ch chan int }

func New() *Queue { return &Queue{ch: make(chan int)} }

func (q *Queue) Put(v int) { q.ch <- v }

package otherlock

import (
	"sync"
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	q := &Queue{}
	q.c = sync.NewCond(&q.mu)
	done := make(chan int)
	go func() { done <- q.Take() }()
	time.Sleep(20 * time.Millisecond)
	q.Put(1)
	<-done
}

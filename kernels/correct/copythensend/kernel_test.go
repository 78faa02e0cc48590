package copythensend

import "testing"

func TestKernel(t *testing.T) {
	h := &Hub{updates: make(chan int)}
	go func() {
		for i := 0; i < 5; i++ {
			h.Publish(i)
		}
	}()
	if h.Consume(5) != 10 {
		t.Fatal("wrong sum")
	}
}

package condloop

import "testing"

func TestKernel(t *testing.T) {
	q := NewQueue(2)
	done := make(chan int)
	go func() {
		s := 0
		for i := 0; i < 100; i++ {
			s += q.Get()
		}
		done <- s
	}()
	for i := 0; i < 100; i++ {
		q.Put(i)
	}
	if <-done != 4950 {
		t.Fatal("wrong sum")
	}
}

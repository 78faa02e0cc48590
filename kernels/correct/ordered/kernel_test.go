package ordered

import (
	"sync"
	"testing"
)

func TestKernel(t *testing.T) {
	x, y := &Conn{ID: 1, balance: 100}, &Conn{ID: 2, balance: 100}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); Transfer(x, y, 1) }()
		go func() { defer wg.Done(); Transfer(y, x, 1) }()
	}
	wg.Wait()
	if x.balance+y.balance != 200 {
		t.Fatal("money lost")
	}
}

package readers

import (
	"sync"
	"testing"
)

func TestKernel(t *testing.T) {
	c := &Config{kv: map[string]int{}}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func(i int) { defer wg.Done(); c.Get("a") }(i)
		go func(i int) { defer wg.Done(); c.Set("a", i) }(i)
	}
	wg.Wait()
}

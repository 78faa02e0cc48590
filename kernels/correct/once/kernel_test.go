package once

import (
	"sync"
	"testing"
)

func TestKernel(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = Config()["debug"] }()
	}
	wg.Wait()
}

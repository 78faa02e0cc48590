package trylock

import (
	"sync"
	"testing"
)

func TestKernel(t *testing.T) {
	var wg sync.WaitGroup
	n := 0
	for i := 0; i < 50; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); both(&a, &b, func() { n++ }) }()
		go func() { defer wg.Done(); both(&b, &a, func() { n++ }) }()
	}
	wg.Wait()
	if n != 100 {
		t.Fatal(n)
	}
}

package timeout

import (
	"testing"
	"time"
)

func TestKernel(t *testing.T) {
	if _, ok := Await(make(chan int), 20*time.Millisecond); ok {
		t.Fatal("got a value from nobody")
	}
}

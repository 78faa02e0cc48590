package lostcancel

import (
	"context"
	"testing"
)

func TestKernel(t *testing.T) {
	w := &Watcher{}
	w.Watch(context.Background(), make(chan int)) // and no w.Close()
}

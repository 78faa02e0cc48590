package broadcast

import "testing"

func TestKernel(t *testing.T) {
	if Fanout(20) != 20 {
		t.Fatal("lost a waiter")
	}
}

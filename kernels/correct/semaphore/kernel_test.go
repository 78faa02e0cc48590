package semaphore

import "testing"

func TestKernel(t *testing.T) {
	if Limited(20, 3) != 20 {
		t.Fatal("lost a task")
	}
}

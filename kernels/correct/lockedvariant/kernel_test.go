package lockedvariant

import "testing"

func TestKernel(t *testing.T) {
	c := &Cache{m: map[string]int{}}
	c.Get("key")
	c.Get("key")
}

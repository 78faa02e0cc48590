package leakholder

import "testing"

func TestKernel(t *testing.T) {
	c := &Conn{reply: make(chan string)}
	go c.Call()
	go c.Call()
}

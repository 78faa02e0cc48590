package nohang

import "testing"

func TestKernel(t *testing.T) {
	c := &Config{kv: map[string]string{"a": "1"}}
	c.GetAll("a", "b")
}

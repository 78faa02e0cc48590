package callback

import "testing"

func TestKernel(t *testing.T) {
	b := &Bus{subs: map[int]func(){}}
	b.Subscribe(1, func() { b.Unsubscribe(1) })
	b.Publish()
}

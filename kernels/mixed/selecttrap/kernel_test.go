package selecttrap

import "testing"

func TestKernel(t *testing.T) {
	s := &Service{cache: map[string]string{}}
	s.Fetch()
}

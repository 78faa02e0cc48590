// Package nil is a deadlock kernel (communication deadlock: channel).
//
// A send on a channel field that was never made: a nil channel blocks
// forever.
package nil

type Server struct {
	events chan string // never made
}

func (s *Server) Emit(e string) {
	s.events <- e // nil channel: blocks forever
}

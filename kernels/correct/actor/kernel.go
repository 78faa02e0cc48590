// Package actor is a deadlock kernel (correct: the actor model).
//
// The article's fix for shared state: one goroutine owns the state and
// serves requests from a channel, closed when the program is done.
package actor

type request struct {
	delta int
	reply chan int
}

func Actor(reqs <-chan request) {
	state := 0
	for r := range reqs {
		state += r.delta
		r.reply <- state
	}
}

// Package selfsend is a deadlock kernel (article: self-blocking on a channel).
//
// The article's self-blocking task: it sends on an unbuffered channel that
// only it receives from.
package selfsend

type Actor struct {
	inbox chan string
}

func (a *Actor) Handle(msg string) {
	if msg == "ping" {
		a.inbox <- "pong" // only this goroutine receives from inbox
	}
}

func (a *Actor) Loop() {
	for msg := range a.inbox {
		a.Handle(msg)
	}
}

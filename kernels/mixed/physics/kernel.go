// Package physics is a deadlock kernel (article: self-blocking channels between two tasks).
//
// The article's game server: physics sends collisions to the reaction task
// and reads its force updates; with both bounded queues full, each waits
// for the other.
package physics

func physics(collisions chan<- int, forces <-chan int, n int) {
	for i := 0; i < n; i++ {
		collisions <- i // full: the reaction task is sending forces
		<-forces
	}
}

func reaction(collisions <-chan int, forces chan<- int, n int) {
	for i := 0; i < n; i++ {
		forces <- i // full: physics is sending collisions
		forces <- i
		<-collisions
	}
}

func run() {
	collisions, forces := make(chan int, 1), make(chan int, 1)
	done := make(chan struct{})
	go func() { reaction(collisions, forces, 3); close(done) }()
	physics(collisions, forces, 3)
	<-done
}

// Command later is healthy: a goroutine waits for a job that a timer
// finishes in an hour, another for a signal that the operating system or
// a shutdown function sends. No goroutine is inside a function that ends
// either wait, yet both may end.
package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/frozen/internal/harness"
)

// Job is finished once.
type Job struct {
	done chan struct{}
}

func (j *Job) finish() { close(j.done) }

func (j *Job) wait() { <-j.done }

// Service stops on a signal.
type Service struct {
	sig chan os.Signal
}

func (s *Service) run() {
	<-s.sig
}

// Shutdown stops the service as a signal would.
func (s *Service) Shutdown() { s.sig <- syscall.SIGTERM }

func main() {
	j := &Job{done: make(chan struct{})}
	go j.wait()
	time.AfterFunc(time.Hour, j.finish)
	s := &Service{sig: make(chan os.Signal, 1)}
	signal.Notify(s.sig, syscall.SIGUSR1)
	go s.run()
	harness.Wait()
}

// Package prims compares gridlock's watched channels, semaphores and wait
// groups with the native channel, golang.org/x/sync/semaphore and the
// standard sync.WaitGroup, side by side:
//
//	go test -run '^$' -bench . -count 10 ./prims | tee prims.txt
//	benchstat -col /impl prims.txt
package prims

import (
	"context"
	"io"
	stdsync "sync"
	"testing"

	"github.com/gridlock-go/gridlock"
	gsync "github.com/gridlock-go/gridlock/sync"
	"golang.org/x/sync/semaphore"
)

func init() {
	gridlock.Configure(gridlock.Config{Mode: gridlock.On, Output: io.Discard})
}

// Buffered send then receive in one goroutine: neither blocks.
func BenchmarkChanBuffered1(b *testing.B) {
	b.Run("impl=native", func(b *testing.B) {
		c := make(chan int, 128)
		for i := 0; b.Loop(); i++ {
			c <- i
			<-c
		}
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		c := gridlock.NewChan[int](128)
		for i := 0; b.Loop(); i++ {
			c.Send(i)
			c.Recv()
		}
	})
	// A native channel through the hooks gridlock test rewrites
	// operations into.
	b.Run("impl=hooks", func(b *testing.B) {
		c := make(chan int, 128)
		for i := 0; b.Loop(); i++ {
			gridlock.Send(c, i)
			gridlock.Recv(c)
		}
	})
}

// Eight goroutines sending and receiving on one buffered channel.
func BenchmarkChanBuffered8(b *testing.B) {
	b.Run("impl=native", func(b *testing.B) {
		c := make(chan int, 1024)
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c <- 1
				<-c
			}
		})
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		c := gridlock.NewChan[int](1024)
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Send(1)
				c.Recv()
			}
		})
	})
	b.Run("impl=hooks", func(b *testing.B) {
		c := make(chan int, 1024)
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				gridlock.Send(c, 1)
				gridlock.Recv(c)
			}
		})
	})
}

// Ping-pong on unbuffered channels: every operation blocks, the slow path.
func BenchmarkChanUnbuffered(b *testing.B) {
	b.Run("impl=native", func(b *testing.B) {
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v
			}
			close(pong)
		}()
		for i := 0; b.Loop(); i++ {
			ping <- i
			<-pong
		}
		close(ping)
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		ping, pong := gridlock.NewChan[int](0), gridlock.NewChan[int](0)
		go func() {
			for v := range ping.All() {
				pong.Send(v)
			}
			pong.Close()
		}()
		for i := 0; b.Loop(); i++ {
			ping.Send(i)
			pong.Recv()
		}
		ping.Close()
	})
	b.Run("impl=hooks", func(b *testing.B) {
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range gridlock.Range(ping) {
				gridlock.Send(pong, v)
			}
			gridlock.Close(pong)
		}()
		for i := 0; b.Loop(); i++ {
			gridlock.Send(ping, i)
			gridlock.Recv(pong)
		}
		gridlock.Close(ping)
	})
}

func BenchmarkSemaphore(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=x-sync", func(b *testing.B) {
		s := semaphore.NewWeighted(4)
		for b.Loop() {
			s.Acquire(ctx, 1)
			s.Release(1)
		}
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		s := gridlock.NewSemaphore(4)
		for b.Loop() {
			s.Acquire(ctx, 1)
			s.Release(1)
		}
	})
}

func BenchmarkSemaphore8(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=x-sync", func(b *testing.B) {
		s := semaphore.NewWeighted(4)
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.Acquire(ctx, 1)
				s.Release(1)
			}
		})
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		s := gridlock.NewSemaphore(4)
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.Acquire(ctx, 1)
				s.Release(1)
			}
		})
	})
}

// Add, Done and a Wait that does not block.
func BenchmarkWaitGroup(b *testing.B) {
	b.Run("impl=sync", func(b *testing.B) {
		var wg stdsync.WaitGroup
		for b.Loop() {
			wg.Add(1)
			wg.Done()
			wg.Wait()
		}
	})
	b.Run("impl=gridlock", func(b *testing.B) {
		var wg gsync.WaitGroup
		for b.Loop() {
			wg.Add(1)
			wg.Done()
			wg.Wait()
		}
	})
}

// Making a channel, and letting it go: what gridlock test's rewrite of
// make(chan T) into gridlock.Made(make(chan T)) costs.
func BenchmarkMakeChan(b *testing.B) {
	var sink chan int
	b.Run("impl=native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = make(chan int)
		}
	})
	b.Run("impl=hooks", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = gridlock.Made(make(chan int))
		}
	})
	_ = sink
}

// Package parked measures what gridlock test costs a test whose many
// goroutines stay parked on channels for a long time: the detector must
// never stop the program it watches, however many goroutines wait and
// however long (a dump of all stacks stops the world for a time that
// grows with their number).
//
// It is skipped unless GRIDLOCK_BENCH_PARKED is set, and takes a while:
//
//	cd bench
//	GRIDLOCK_BENCH_PARKED=1 go test -v -run TestParked -timeout 30m ./parked \
//		-parked.n 10000 -parked.for 60s -parked.longwait 30s
//
// It writes a throwaway module whose test parks n goroutines on channels
// for the given time, runs it with go test and with gridlock test, and
// fails if the test binary under gridlock takes more than twice as long as
// plainly (the times go test reports for the package, build excluded).
// -parked.longwait sets GRIDLOCK_WAIT, the long-wait threshold, so that a
// short run still sees every wait become long.
package parked

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var (
	n        = flag.Int("parked.n", 10000, "goroutines parked")
	parkFor  = flag.Duration("parked.for", 10*time.Second, "how long they stay parked")
	longWait = flag.Duration("parked.longwait", 3*time.Second, "GRIDLOCK_WAIT: the long-wait threshold")
)

const testFile = `package parked

import (
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestParked(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PARKED_N"))
	d, _ := time.ParseDuration(os.Getenv("PARKED_FOR"))
	release := make(chan struct{})
	own := make([]chan int, n/2)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		if i%2 == 0 {
			go func() { // parked on a channel all of them share
				defer wg.Done()
				<-release
			}()
			continue
		}
		own[i/2] = make(chan int)
		go func(ch chan int) { // parked on a channel of its own
			defer wg.Done()
			select {
			case <-ch:
			case <-release:
			}
		}(own[i/2])
	}
	time.Sleep(d)
	close(release)
	wg.Wait()
}
`

var findings = regexp.MustCompile(`gridlock: \d+ findings.*`)

var elapsed = regexp.MustCompile(`(?m)^ok\s+example\.com/parked\s+([0-9.]+)s`)

func TestParked(t *testing.T) {
	if os.Getenv("GRIDLOCK_BENCH_PARKED") == "" {
		t.Skip("set GRIDLOCK_BENCH_PARKED=1 to run (it takes a while)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gridlock")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gridlock")
	build.Dir = filepath.Join("..", "..") // gridlock's own module
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building gridlock: %v\n%s", err, out)
	}
	mod := filepath.Join(dir, "mod")
	os.MkdirAll(mod, 0o755)
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/parked\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(mod, "parked_test.go"), []byte(testFile), 0o644)
	env := append(os.Environ(), "PARKED_N="+strconv.Itoa(*n), "PARKED_FOR="+parkFor.String(), "GRIDLOCK_WAIT="+longWait.String(), "GOFLAGS=")
	timeout := fmt.Sprint(*parkFor*20 + 5*time.Minute)
	run := func(name string, args ...string) (pkg, wall time.Duration) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = mod, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		wall = time.Since(start)
		m := elapsed.FindSubmatch(out)
		if m == nil {
			// A finding makes gridlock test exit 1: only the verdict of
			// the test matters here.
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		if err != nil {
			t.Logf("%s: %v; %s", filepath.Base(name), err, findings.Find(out))
		}
		s, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("%s %v: package %.2fs, wall %v", filepath.Base(name), args[:1], s, wall.Round(10*time.Millisecond))
		return time.Duration(s * float64(time.Second)), wall
	}
	plain, _ := run("go", "test", "-count=1", "-timeout", timeout, ".")
	under, _ := run(bin, "test", ".", "--", "-timeout", timeout)
	ratio := float64(under) / float64(plain)
	t.Logf("%d goroutines parked for %v, long-wait after %v: plain %.2fs, gridlock test %.2fs (%.2fx)", *n, *parkFor, *longWait, plain.Seconds(), under.Seconds(), ratio)
	if ratio > 2 {
		t.Errorf("gridlock test took %.2fx the plain time, want at most 2x", ratio)
	}
}

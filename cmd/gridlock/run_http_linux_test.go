package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/report"
)

// frozenBank is an unmodified program whose two goroutines deadlock on
// two sync.Mutexes taken in opposite orders, and whose main goroutine
// waits for them for good.
const frozenBank = `package main

import (
	"fmt"
	"sync"
)

var accounts, ledger sync.Mutex

func transferAB(ready *sync.WaitGroup) {
	accounts.Lock()
	ready.Done()
	ready.Wait()
	ledger.Lock() // held by transferBA
}

func transferBA(ready *sync.WaitGroup) {
	ledger.Lock()
	ready.Done()
	ready.Wait()
	accounts.Lock() // held by transferAB
}

func main() {
	var ready, done sync.WaitGroup
	ready.Add(2)
	done.Add(2)
	go func() { defer done.Done(); transferAB(&ready) }()
	go func() { defer done.Done(); transferBA(&ready) }()
	fmt.Println("transfers started")
	done.Wait()
}
`

// TestRunHTTP runs an unmodified program that freezes under gridlock run
// -http: the snapshot names both goroutines of the deadlock, the findings
// have it, the frozen program is left running, and gridlock top shows it
// under a pseudo-terminal.
func TestRunHTTP(t *testing.T) {
	dir := module(t, map[string]string{"cmd/bank/main.go": frozenBank})
	cmd := exec.Command(gridlockBin, "run", "-wait", "1s", "-http", "127.0.0.1:0", "./cmd/bank")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod -buildvcs=false")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	var mu sync.Mutex
	var lines []string
	served := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		serving := regexp.MustCompile(`^gridlock: serving (http://127\.0\.0\.1:\d+/debug/gridlock/)$`)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			if m := serving.FindStringSubmatch(sc.Text()); m != nil {
				served <- m[1]
			}
		}
		close(served)
	}()
	output := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(lines, "\n")
	}
	var base string
	select {
	case u, ok := <-served:
		if !ok {
			t.Fatalf("gridlock run ended without serving:\n%s", output())
		}
		base = u
	case <-time.After(3 * time.Minute):
		t.Fatalf("no serving line:\n%s", output())
	}

	// The snapshot: both goroutines, in one circular wait.
	var snap api.Snapshot
	deadline := time.Now().Add(30 * time.Second)
	for {
		snap = api.Snapshot{}
		if err := getJSON(base+api.PathSnapshot, &snap); err != nil {
			t.Fatal(err)
		}
		if len(snap.Cycles) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	inCycle := map[string]bool{}
	for _, g := range snap.Groups {
		if g.InCycle {
			inCycle[g.Function] = true
		}
	}
	if len(snap.Cycles) != 1 || snap.Cycles[0].Kind != "deadlock" || len(snap.Cycles[0].Goroutines) != 2 || !inCycle["main.transferAB"] || !inCycle["main.transferBA"] {
		b, _ := json.MarshalIndent(snap, "", "  ")
		t.Fatalf("the snapshot does not show transferAB and transferBA in a deadlock:\n%s\nstderr:\n%s", b, output())
	}

	// The findings.
	resp, err := http.Get(base + api.PathFindings)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := report.ReadJSON(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[report.Kind]bool{}
	for _, f := range fs {
		kinds[f.Kind] = true
	}
	if !kinds[report.Deadlock] {
		t.Errorf("api/findings has no deadlock: %v", kinds)
	}

	// Frozen, reported, and left running.
	deadline = time.Now().Add(30 * time.Second)
	for !strings.Contains(output(), "left running to be looked at") {
		if time.Now().After(deadline) {
			t.Fatalf("the frozen program was not reported:\n%s", output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := getJSON(base+api.PathSnapshot, &snap); err != nil {
		t.Fatalf("the program stopped serving after it froze: %v\n%s", err, output())
	}

	// gridlock top, under a pseudo-terminal.
	c := startTop(t, base)
	c.waitFor("BLOCKED FOR GOOD: deadlock", "main.transferAB", "main.transferBA")
	c.press("3")
	c.waitFor("! deadlock", "waits for main.ledger")
	c.press("q")
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

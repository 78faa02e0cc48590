package debughttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/report"
	"github.com/gridlock-go/gridlock/waitgraph"
)

var screenshot = flag.String("screenshot", "", "save a screenshot of the page of the deadlocked program to this file (e.g. ../docs/live.png)")

// The program of testdata/deadlock, built once.
var prog struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if prog.path != "" {
		os.RemoveAll(filepath.Dir(prog.path))
	}
	os.Exit(code)
}

// deadlocked starts the program of testdata/deadlock, whose two
// goroutines deadlock on two watched locks, and returns the URL of its
// live view once its deadlock was reported.
func deadlocked(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	prog.once.Do(func() {
		dir, err := os.MkdirTemp("", "debughttp")
		if err != nil {
			prog.err = err
			return
		}
		prog.path = filepath.Join(dir, "deadlock")
		out, err := exec.Command("go", "build", "-o", prog.path, "./testdata/deadlock").CombinedOutput()
		if err != nil {
			prog.err = fmt.Errorf("go build ./testdata/deadlock: %v\n%s", err, out)
		}
	})
	if prog.err != nil {
		t.Fatal(prog.err)
	}
	cmd := exec.Command(prog.path)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the program's URL: %v", err)
	}
	url := strings.TrimSpace(line)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var fs []*report.Finding
		getJSON(t, url+api.PathFindings, &fs)
		if slices.ContainsFunc(fs, func(f *report.Finding) bool { return f.Kind == report.Deadlock }) {
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("no deadlock reported at %s after 30s: %d findings", url, len(fs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return b
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal(get(t, url), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// The functions and locks of testdata/deadlock.
var (
	funcs = []string{"main.payer", "main.auditor"}
	locks = []string{"bank.ledger", "bank.audit"}
)

func TestFindingsEndpoint(t *testing.T) {
	url := deadlocked(t)
	fs, err := report.ReadJSON(strings.NewReader(string(get(t, url+api.PathFindings))))
	if err != nil {
		t.Fatal(err)
	}
	var dl *report.Finding
	for _, f := range fs {
		if f.Kind == report.Deadlock {
			dl = f
		}
	}
	if dl == nil {
		t.Fatalf("no deadlock among %d findings", len(fs))
	}
	var got []string
	for _, g := range dl.Goroutines {
		got = append(got, g.Stack.Top().Func)
	}
	slices.Sort(got)
	if want := []string{"main.auditor", "main.payer"}; !slices.Equal(got, want) {
		t.Errorf("deadlock's goroutines run %v, want %v", got, want)
	}
	for _, l := range locks {
		if !slices.ContainsFunc(dl.Resources, func(r *waitgraph.Resource) bool { return r.Name == l }) {
			t.Errorf("deadlock does not name lock %s: %v", l, dl.Resources)
		}
	}
	if len(dl.Positions) == 0 || !strings.Contains(dl.Positions[0], "main.go:") {
		t.Errorf("deadlock's positions = %v, want main.go:N first", dl.Positions)
	}
}

func TestSnapshotEndpoint(t *testing.T) {
	url := deadlocked(t)
	var s api.Snapshot
	getJSON(t, url+api.PathSnapshot, &s)
	if !s.Enabled || s.Goroutines < 3 {
		t.Errorf("enabled = %v, goroutines = %d; want true, >= 3", s.Enabled, s.Goroutines)
	}
	if len(s.Cycles) != 1 || s.Cycles[0].Kind != "deadlock" || len(s.Cycles[0].Goroutines) != 2 || len(s.Cycles[0].Resources) != 2 {
		t.Fatalf("cycles = %+v, want one deadlock of 2 goroutines on 2 locks", s.Cycles)
	}
	cycle := s.Cycles[0]
	for _, fn := range funcs {
		i := slices.IndexFunc(s.Groups, func(g api.Group) bool { return g.Function == fn })
		if i < 0 {
			t.Errorf("no group runs %s", fn)
			continue
		}
		g := s.Groups[i]
		if g.Count != 1 || !g.InCycle || g.State != "blocked: mutex lock" || !strings.Contains(g.Where, "main.go:") {
			t.Errorf("group of %s = %+v", fn, g)
		}
		if len(g.Goroutines) != 1 {
			t.Fatalf("group of %s lists %d goroutines", fn, len(g.Goroutines))
		}
		m := g.Goroutines[0]
		if !m.InCycle || m.Wait == nil || len(m.Holds) != 1 || !slices.Contains(cycle.Goroutines, m.ID) || m.WaitSeconds <= 0 {
			t.Errorf("goroutine of %s = %+v", fn, m)
		}
	}
	for _, l := range locks {
		i := slices.IndexFunc(s.Resources, func(r api.Resource) bool { return r.Class == l })
		if i < 0 {
			t.Errorf("no resource of class %s in %+v", l, s.Resources)
			continue
		}
		r := s.Resources[i]
		if r.Kind != "mutex" || !r.InCycle || len(r.Holders) != 1 || len(r.Waiters) != 1 || r.Holders[0].Goroutine == r.Waiters[0].Goroutine || !strings.Contains(r.Site, "main.go:") {
			t.Errorf("resource %s = %+v", l, r)
		}
	}
	if s.Findings < 1 || s.FindingsByKind["deadlock"] != 1 {
		t.Errorf("findings = %d, by kind %v; want a deadlock", s.Findings, s.FindingsByKind)
	}
	// The groups that are not in the graph come after, and say nothing of
	// resources.
	for i, g := range s.Groups {
		if i >= 2 && g.InCycle {
			t.Errorf("group %d (%s) in a cycle after the others", i, g.Function)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	url := deadlocked(t)
	ms, err := parseExposition(string(get(t, url+api.PathMetrics)))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"gridlock_lock_acquisitions_total":           "counter",
		"gridlock_lock_contended_acquisitions_total": "counter",
		"gridlock_lock_wait_seconds":                 "histogram",
		"gridlock_lock_hold_seconds":                 "histogram",
		"gridlock_findings_total":                    "counter",
		"gridlock_findings_distinct":                 "gauge",
		"gridlock_goroutines_blocked":                "gauge",
		"gridlock_goroutines":                        "gauge",
	} {
		if got := ms.types[name]; got != want {
			t.Errorf("type of %s = %q, want %q", name, got, want)
		}
	}
	if v := ms.value(`gridlock_findings_total{kind="deadlock"}`); v != 1 {
		t.Errorf(`gridlock_findings_total{kind="deadlock"} = %v, want 1`, v)
	}
	if v := ms.value(`gridlock_goroutines_blocked{kind="mutex"}`); v != 2 {
		t.Errorf(`gridlock_goroutines_blocked{kind="mutex"} = %v, want 2`, v)
	}
	if v := ms.value(`gridlock_goroutines_blocked{kind="chan"}`); v != 0 {
		t.Errorf(`gridlock_goroutines_blocked{kind="chan"} = %v, want 0`, v)
	}
}

// chromium returns the path of a headless Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no headless Chromium: install Debian's chromium (apt-get install chromium) to render the page; .ci/run does")
	return ""
}

// render runs headless Chromium on url with the given output flags
// (--dump-dom, --screenshot=...) and returns its standard output.
func render(t *testing.T, browser, url string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	argv := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(),
		"--virtual-time-budget=5000",
	}, args...)
	argv = append(argv, url)
	cmd := exec.CommandContext(ctx, browser, argv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return string(out)
}

func TestPage(t *testing.T) {
	browser := chromium(t)
	url := deadlocked(t)
	dom := render(t, browser, url, "--dump-dom")
	for _, want := range []string{
		`class="kind deadlock"`, // the deadlock finding
		"main.payer", "main.auditor",
		"bank.ledger", "bank.audit",
		`class="node node-g cyc"`, // the graph, its goroutines in the cycle
		`class="edge wait cyc"`,
		"1 circular wait",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("rendered DOM:\n%s", dom)
	}
	// Searching, from the URL's fragment: the groups and resources shown
	// are those that match.
	dom = render(t, browser, url+"#q=main.auditor", "--dump-dom")
	groups := section(dom, `<table id="groups">`, "</table>")
	if !strings.Contains(groups, "main.auditor") || strings.Contains(groups, "main.payer") || strings.Contains(groups, "net/http") {
		t.Errorf("searching main.auditor shows the groups:\n%s", groups)
	}
	if !strings.Contains(dom, "(1 of ") {
		t.Errorf("searching does not say how many groups match")
	}
	if *screenshot != "" {
		path, err := filepath.Abs(*screenshot)
		if err != nil {
			t.Fatal(err)
		}
		render(t, browser, url, "--hide-scrollbars", "--window-size=1280,1000", "--screenshot="+path)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
	}
}

// exposition is a parsed Prometheus text exposition.
type exposition struct {
	types   map[string]string
	samples map[string]float64 // by name{labels} as written
}

func (e *exposition) value(series string) float64 {
	v, ok := e.samples[series]
	if !ok {
		return -1
	}
	return v
}

// section returns the part of s from start to the next end, or "".
func section(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

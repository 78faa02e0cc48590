package top

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gridlock-go/gridlock/debughttp/api"
)

// fixture serves testdata/snapshot.json and testdata/findings.json as a
// program's live view does.
func fixture(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for path, file := range map[string]string{api.PathSnapshot: "testdata/snapshot.json", api.PathFindings: "testdata/findings.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc(api.Root+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T) Data {
	t.Helper()
	base, err := BaseURL(fixture(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	d := Fetch(context.Background(), http.DefaultClient, base, Data{})
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	return d
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")

func screen(c *Console) string {
	return sgr.ReplaceAllString(strings.Join(c.Render(120, 30), "\n"), "")
}

func TestBaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1:6060", "http://127.0.0.1:6060/debug/gridlock/"},
		{"http://127.0.0.1:6060", "http://127.0.0.1:6060/debug/gridlock/"},
		{"http://127.0.0.1:6060/", "http://127.0.0.1:6060/debug/gridlock/"},
		{"http://h:1/debug/gridlock", "http://h:1/debug/gridlock/"},
		{"http://h:1/debug/gridlock/api/snapshot?listed=5", "http://h:1/debug/gridlock/"},
		{"https://h/admin/debug/gridlock/", "https://h/admin/debug/gridlock/"},
		{"http://h/mounted/elsewhere", "http://h/mounted/elsewhere/"},
	}
	for _, tt := range tests {
		u, err := BaseURL(tt.in)
		if err != nil || u.String() != tt.want {
			t.Errorf("BaseURL(%q) = %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
	for _, bad := range []string{"ftp://h/", "http://", "http://[::1"} {
		if u, err := BaseURL(bad); err == nil {
			t.Errorf("BaseURL(%q) = %v, want an error", bad, u)
		}
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []Key
	}{
		{"q", []Key{"q"}},
		{"\x1b", []Key{Esc}},
		{"\x1b[A\x1b[B", []Key{Up, Down}},
		{"\x1bOA", []Key{Up}},
		{"\x1b[5~\x1b[6~", []Key{PageUp, PageDown}},
		{"/wo\x7f\r", []Key{"/", "w", "o", Backspace, Enter}},
		{"\t\x03", []Key{Tab, Interrupt}},
		{"é", []Key{"é"}},
		{"\xffq", []Key{"q"}},      // not UTF-8: dropped
		{"\x1b[1;5Cx", []Key{"x"}}, // ctrl-right: dropped
		{"\x1b[", nil},             // cut short
	}
	for _, tt := range tests {
		if got := ParseKeys([]byte(tt.in)); strings.Join(keys(got), ",") != strings.Join(keys(tt.want), ",") {
			t.Errorf("ParseKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func keys(ks []Key) []string {
	var out []string
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}

func TestConsole(t *testing.T) {
	c := &Console{URL: "http://x/debug/gridlock/"}
	c.Update(fetch(t))
	s := screen(c)
	for _, want := range []string{"9 goroutines", "1 findings", "BLOCKED FOR GOOD: deadlock", "main.transferAB", "main.transferBA", "main.worker", "1s–1m30s", "main.go:21"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	// Sort by count: the six workers come first.
	c.Key("s")
	c.Key("s")
	if c.SortKey() != "wait" {
		t.Fatalf("sort key after two s = %s", c.SortKey())
	}
	c.Key("s") // state
	c.Key("s") // function
	c.Key("s") // back to blocked
	c.Key("s") // count
	rows := c.rows()
	if rows[0].cells[4] != "main.worker" {
		t.Errorf("sorted by count, first row %v", rows[0].cells)
	}
	// Filter.
	for _, k := range ParseKeys([]byte("/teller-ba\r")) {
		c.Key(k)
	}
	if rows := c.rows(); len(rows) != 1 || rows[0].cells[4] != "main.transferBA" {
		t.Errorf("filter teller-ba: rows %v", rows)
	}
	// Detail.
	c.Key(Enter)
	s = screen(c)
	for _, want := range []string{"goroutine 8 \"teller-ba\" (blocked for good)", "in a deadlock: goroutines #7 #8", "waits to lock mutex main.accountA", "holds (lock) mutex main.accountB", "/src/bank/main.go:28"} {
		if !strings.Contains(s, want) {
			t.Errorf("detail lacks %q:\n%s", want, s)
		}
	}
	c.Key(Esc)
	c.Key(Esc) // clears the filter
	if c.Filter() != "" || len(c.rows()) != 4 {
		t.Errorf("after esc: filter %q, %d rows", c.Filter(), len(c.rows()))
	}
	// Resources and findings.
	c.Key("2")
	s = screen(c)
	for _, want := range []string{"main.accountA", "1: #7", "6: #10 #11 #12 …"} {
		if !strings.Contains(s, want) {
			t.Errorf("resources lack %q:\n%s", want, s)
		}
	}
	c.Key(Tab)
	c.Key(Enter)
	s = screen(c)
	for _, want := range []string{"gridlock: deadlock", "goroutines 7 and 8 wait for each other's locks"} {
		if !strings.Contains(s, want) {
			t.Errorf("finding detail lacks %q:\n%s", want, s)
		}
	}
	c.Key("q")
	if !c.Quit() {
		t.Error("q did not quit")
	}
}

func TestRenderFitsTheScreen(t *testing.T) {
	c := &Console{}
	c.Update(fetch(t))
	for _, size := range [][2]int{{20, 5}, {40, 8}, {200, 60}} {
		lines := c.Render(size[0], size[1])
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if n := len([]rune(sgr.ReplaceAllString(l, ""))); n > size[0] {
				t.Errorf("%dx%d: line of %d columns: %q", size[0], size[1], n, l)
			}
		}
	}
}

func TestWriteTables(t *testing.T) {
	var b strings.Builder
	if err := WriteTables(&b, "http://x/", fetch(t)); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Contains(s, "\x1b") {
		t.Errorf("escape sequences in plain output:\n%s", s)
	}
	for _, want := range []string{"GOROUTINES (4)", "RESOURCES (3)", "FINDINGS (1)", "! 1     sync.Mutex.Lock", "main.transferBA", "deadlock"} {
		if !strings.Contains(s, want) {
			t.Errorf("tables lack %q:\n%s", want, s)
		}
	}
}

func TestFetchError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	base, _ := BaseURL(srv.URL)
	prev := Data{Snapshot: &api.Snapshot{Goroutines: 3}}
	d := Fetch(context.Background(), http.DefaultClient, base, prev)
	if d.Err == nil || d.Snapshot != prev.Snapshot || !strings.Contains(d.Err.Error(), "404") {
		t.Errorf("Fetch from a 404: %+v", d)
	}
}

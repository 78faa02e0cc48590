// Package top is the console of gridlock top: the goroutines, resources
// and findings of a live program, read from the JSON its /debug/gridlock/
// handler serves (package debughttp), shown as tables a terminal can
// redraw, with a sort order, a filter and a detail view.
//
// The package knows nothing of terminals: a Console takes keys (see
// ParseKeys) and data (see Fetch) and renders its screen as lines of text
// with ANSI colors; the gridlock command puts the terminal in raw mode,
// feeds it and draws the lines. WriteTables prints the same tables once,
// without colors, for a pipe or a log.
package top

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridlock-go/gridlock/debughttp/api"
	"github.com/gridlock-go/gridlock/report"
)

// Data is what one refresh read from the program.
type Data struct {
	Snapshot *api.Snapshot
	Findings []*report.Finding
	// At is when it was read.
	At time.Time
	// Err is why the last refresh failed, if it did; Snapshot and
	// Findings are then those of the last refresh that worked.
	Err error
}

// BaseURL returns the URL of the live view's root, ending in
// "/debug/gridlock/", from what a user types: a host and port, a URL
// without a path, or the URL of the page itself.
func BaseURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: not an http or https URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s: no host", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	p := u.Path
	switch {
	case p == "" || p == "/":
		p = api.Root
	case strings.Contains(p, api.Root):
		p = p[:strings.Index(p, api.Root)+len(api.Root)]
	case strings.HasSuffix(p, strings.TrimSuffix(api.Root, "/")):
		p += "/"
	case !strings.HasSuffix(p, "/"):
		p += "/"
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

// Fetch reads the snapshot and the findings from the live view at base
// (see BaseURL). On error, it returns prev with Err set.
func Fetch(ctx context.Context, client *http.Client, base *url.URL, prev Data) Data {
	var snap api.Snapshot
	if err := getJSON(ctx, client, base.JoinPath(api.PathSnapshot).String(), func(r io.Reader) error {
		return json.NewDecoder(r).Decode(&snap)
	}); err != nil {
		prev.Err = err
		return prev
	}
	var fs []*report.Finding
	if err := getJSON(ctx, client, base.JoinPath(api.PathFindings).String(), func(r io.Reader) (err error) {
		fs, err = report.ReadJSON(r)
		return err
	}); err != nil {
		prev.Err = err
		return prev
	}
	return Data{Snapshot: &snap, Findings: fs, At: time.Now()}
}

func getJSON(ctx context.Context, client *http.Client, u string, decode func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if err := decode(resp.Body); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}

// A View is one of the console's tables.
type View int

// The views, in the order of their keys 1, 2, 3.
const (
	Goroutines View = iota
	Resources
	Findings
	numViews
)

// String returns the view's name, as its tab shows it.
func (v View) String() string {
	return [...]string{"goroutines", "resources", "findings"}[v]
}

// sortKeys are the orders of each view, the first the server's (most
// interesting first).
var sortKeys = [numViews][]string{
	Goroutines: {"blocked", "count", "wait", "state", "function"},
	Resources:  {"blocked", "waiters", "holders", "kind", "name"},
	Findings:   {"reported", "kind", "count"},
}

// A row is a line of a table and what its detail view shows.
type row struct {
	cells  []string
	hot    bool   // in a deadlock or partial deadlock
	search string // what the filter looks in, lower case
	detail func() []string
	// sort values
	count, waiters, holders int
	wait                    float64
	state, name, kind       string
	order                   int
}

// Console is the state of the console: the data shown, the view, the sort
// orders, the filter, the selection and the detail view.
type Console struct {
	// URL is shown in the title line.
	URL  string
	data Data

	view    View
	sortBy  [numViews]int
	filter  string
	editing bool // typing the filter
	edit    string
	sel     [numViews]int
	scroll  [numViews]int
	detail  bool
	dscroll int
	quit    bool
}

// Update replaces the data shown.
func (c *Console) Update(d Data) { c.data = d }

// Quit reports whether the user asked to quit.
func (c *Console) Quit() bool { return c.quit }

// View returns the view shown.
func (c *Console) View() View { return c.view }

// Key is a key the console understands: a printable character, or one of
// the named keys below.
type Key string

// Named keys.
const (
	Up        Key = "up"
	Down      Key = "down"
	PageUp    Key = "pgup"
	PageDown  Key = "pgdn"
	Home      Key = "home"
	End       Key = "end"
	Enter     Key = "enter"
	Esc       Key = "esc"
	Backspace Key = "backspace"
	Tab       Key = "tab"
	Interrupt Key = "ctrl-c"
)

// ParseKeys splits what a terminal in raw mode sent into keys. A read of a
// lone ESC byte is the Escape key; escape sequences give the arrows, page
// and home/end keys; unknown sequences are dropped.
func ParseKeys(b []byte) []Key {
	var keys []Key
	for len(b) > 0 {
		switch c := b[0]; {
		case c == 0x1b && len(b) == 1:
			keys, b = append(keys, Esc), b[1:]
		case c == 0x1b && (b[1] == '[' || b[1] == 'O'):
			// CSI or SS3: parameters, then a final byte in 0x40..0x7e.
			i := 2
			for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
				i++
			}
			if i == len(b) {
				return keys
			}
			seq := string(b[2 : i+1])
			b = b[i+1:]
			switch seq {
			case "A":
				keys = append(keys, Up)
			case "B":
				keys = append(keys, Down)
			case "5~":
				keys = append(keys, PageUp)
			case "6~":
				keys = append(keys, PageDown)
			case "H", "1~", "7~":
				keys = append(keys, Home)
			case "F", "4~", "8~":
				keys = append(keys, End)
			}
		case c == 0x1b:
			keys, b = append(keys, Esc), b[1:]
		case c == '\r' || c == '\n':
			keys, b = append(keys, Enter), b[1:]
		case c == 0x7f || c == 0x08:
			keys, b = append(keys, Backspace), b[1:]
		case c == '\t':
			keys, b = append(keys, Tab), b[1:]
		case c == 0x03:
			keys, b = append(keys, Interrupt), b[1:]
		case c < 0x20:
			b = b[1:]
		default:
			r, n := utf8.DecodeRune(b)
			if r != utf8.RuneError {
				keys = append(keys, Key(string(r)))
			}
			b = b[n:]
		}
	}
	return keys
}

// Key handles a key press. It reports whether the user asked for a
// refresh now.
func (c *Console) Key(k Key) (refresh bool) {
	if k == Interrupt {
		c.quit = true
		return false
	}
	if c.editing {
		switch k {
		case Enter:
			c.editing, c.filter = false, c.edit
			c.sel[c.view], c.scroll[c.view] = 0, 0
		case Esc:
			c.editing = false
		case Backspace:
			if r := []rune(c.edit); len(r) > 0 {
				c.edit = string(r[:len(r)-1])
			}
		default:
			if len(k) > 0 && !isNamed(k) {
				c.edit += string(k)
			}
		}
		return false
	}
	if c.detail {
		switch k {
		case Esc, Enter, Backspace, "h":
			c.detail = false
		case "q":
			c.quit = true
		case Up, "k":
			c.dscroll = max(c.dscroll-1, 0)
		case Down, "j":
			c.dscroll++
		case PageUp:
			c.dscroll = max(c.dscroll-10, 0)
		case PageDown, " ":
			c.dscroll += 10
		case Home:
			c.dscroll = 0
		case "r":
			return true
		}
		return false
	}
	switch k {
	case "q":
		c.quit = true
	case Up, "k":
		c.sel[c.view]--
	case Down, "j":
		c.sel[c.view]++
	case PageUp:
		c.sel[c.view] -= 10
	case PageDown, " ":
		c.sel[c.view] += 10
	case Home, "g":
		c.sel[c.view] = 0
	case End, "G":
		c.sel[c.view] = 1 << 30
	case Enter, "l":
		if len(c.rows()) > 0 {
			c.detail, c.dscroll = true, 0
		}
	case Tab:
		c.view = (c.view + 1) % numViews
	case "1", "2", "3":
		c.view = View(k[0] - '1')
	case "s":
		c.sortBy[c.view] = (c.sortBy[c.view] + 1) % len(sortKeys[c.view])
	case "/":
		c.editing, c.edit = true, c.filter
	case Esc:
		c.filter = ""
	case "r":
		return true
	}
	return false
}

func isNamed(k Key) bool {
	switch k {
	case Up, Down, PageUp, PageDown, Home, End, Enter, Esc, Backspace, Tab, Interrupt:
		return true
	}
	return false
}

// SortKey returns the name of the view's sort order.
func (c *Console) SortKey() string { return sortKeys[c.view][c.sortBy[c.view]] }

// Filter returns the filter in force.
func (c *Console) Filter() string { return c.filter }

// rows returns the rows of the view shown, filtered and sorted.
func (c *Console) rows() []row {
	return c.rowsOf(c.view)
}

func (c *Console) rowsOf(v View) []row {
	var rows []row
	switch v {
	case Goroutines:
		rows = groupRows(c.data.Snapshot)
	case Resources:
		rows = resourceRows(c.data.Snapshot)
	case Findings:
		rows = findingRows(c.data.Findings)
	}
	if c.filter != "" {
		f := strings.ToLower(c.filter)
		rows = slices.DeleteFunc(rows, func(r row) bool { return !strings.Contains(r.search, f) })
	}
	by := sortKeys[v][c.sortBy[v]]
	slices.SortStableFunc(rows, func(a, b row) int {
		switch by {
		case "count":
			return cmp.Compare(b.count, a.count)
		case "wait":
			return cmp.Compare(b.wait, a.wait)
		case "state":
			return cmp.Compare(a.state, b.state)
		case "function", "name":
			return cmp.Compare(a.name, b.name)
		case "waiters":
			return cmp.Compare(b.waiters, a.waiters)
		case "holders":
			return cmp.Compare(b.holders, a.holders)
		case "kind":
			return cmp.Compare(a.kind, b.kind)
		}
		return cmp.Compare(a.order, b.order)
	})
	return rows
}

// headers are the column titles of each view.
var headers = [numViews][]string{
	Goroutines: {"", "COUNT", "STATE", "WAIT", "FUNCTION", "WHERE"},
	Resources:  {"", "KIND", "RESOURCE", "HOLDERS", "WAITERS", "SITE"},
	Findings:   {"", "KIND", "COUNT", "SUMMARY", "WHERE"},
}

// ANSI sequences.
const (
	bold    = "\x1b[1m"
	reverse = "\x1b[7m"
	red     = "\x1b[31m"
	dim     = "\x1b[2m"
	reset   = "\x1b[0m"
)

// Render returns the screen for a terminal of the given size: height
// lines, each at most width columns wide (not counting ANSI sequences).
func (c *Console) Render(width, height int) []string {
	width, height = max(width, 20), max(height, 5)
	lines := make([]string, 0, height)
	lines = append(lines, bold+clip(c.title(), width)+reset)
	lines = append(lines, c.tabs(width))
	rows := c.rows()
	body := height - 4
	if c.detail {
		c.clampSel(len(rows), body)
		d := rows[c.sel[c.view]].detail()
		c.dscroll = min(c.dscroll, max(len(d)-body-1, 0))
		lines = append(lines, reverse+pad(clip("detail: "+strings.Join(rows[c.sel[c.view]].cells[1:], "  "), width), width)+reset)
		for i := c.dscroll; i < len(d) && len(lines) < height-1; i++ {
			lines = append(lines, clip(d[i], width))
		}
	} else {
		widths := columnWidths(headers[c.view], rows, width)
		lines = append(lines, bold+formatRow(headers[c.view], widths, width)+reset)
		c.clampSel(len(rows), body)
		for i := c.scroll[c.view]; i < len(rows) && i < c.scroll[c.view]+body; i++ {
			line := formatRow(rows[i].cells, widths, width)
			switch {
			case i == c.sel[c.view]:
				line = reverse + pad(line, width) + reset
			case rows[i].hot:
				line = red + line + reset
			}
			lines = append(lines, line)
		}
		if len(rows) == 0 {
			msg := "(none)"
			if c.filter != "" {
				msg = "(none matches the filter " + quote(c.filter) + ")"
			} else if c.data.Snapshot == nil && c.data.Err == nil {
				msg = "(reading…)"
			}
			lines = append(lines, dim+clip(msg, width)+reset)
		}
	}
	for len(lines) < height-1 {
		lines = append(lines, "")
	}
	lines = append(lines, c.footer(width))
	return lines
}

func (c *Console) clampSel(n, body int) {
	v := c.view
	c.sel[v] = max(min(c.sel[v], n-1), 0)
	body = max(body, 1)
	if c.sel[v] < c.scroll[v] {
		c.scroll[v] = c.sel[v]
	}
	if c.sel[v] >= c.scroll[v]+body {
		c.scroll[v] = c.sel[v] - body + 1
	}
	c.scroll[v] = max(min(c.scroll[v], n-body), 0)
}

func (c *Console) title() string {
	var b strings.Builder
	b.WriteString("gridlock top  " + c.URL)
	if s := c.data.Snapshot; s != nil {
		fmt.Fprintf(&b, "  %s  %d goroutines  %d findings", s.Time.Local().Format("15:04:05"), s.Goroutines, len(c.data.Findings))
		if !s.Enabled {
			b.WriteString("  (detection off)")
		}
		var cycles []string
		for _, cy := range s.Cycles {
			cycles = append(cycles, cy.Kind)
		}
		if len(cycles) > 0 {
			b.WriteString("  BLOCKED FOR GOOD: " + strings.Join(cycles, ", "))
		}
	}
	if c.data.Err != nil {
		b.WriteString("  error: " + c.data.Err.Error())
	}
	return b.String()
}

func (c *Console) tabs(width int) string {
	var b strings.Builder
	used := 0
	put := func(text, style string) {
		text = clip(text, width-used)
		used += runeLen(text)
		if style != "" && text != "" {
			text = style + text + reset
		}
		b.WriteString(text)
	}
	for v := View(0); v < numViews; v++ {
		style := ""
		if v == c.view {
			style = reverse
		}
		put(fmt.Sprintf(" %d %s (%d) ", v+1, v, len(c.rowsOf(v))), style)
		put(" ", "")
	}
	extra := "  sort: " + c.SortKey()
	if c.filter != "" {
		extra += "  filter: " + quote(c.filter)
	}
	put(extra, "")
	return b.String()
}

func (c *Console) footer(width int) string {
	if c.editing {
		return clip("filter: "+c.edit+"▏  (enter to apply, esc to cancel)", width)
	}
	if c.detail {
		return dim + clip("↑↓ scroll  esc back  r refresh  q quit", width) + reset
	}
	return dim + clip("↑↓ move  enter detail  tab/1-3 view  s sort  / filter  esc clear filter  r refresh  q quit", width) + reset
}

func quote(s string) string { return "\"" + s + "\"" }

// columnWidths sizes the columns: each as wide as its widest cell, the
// last one taking what is left.
func columnWidths(head []string, rows []row, width int) []int {
	w := make([]int, len(head))
	for i, h := range head {
		w[i] = runeLen(h)
	}
	for _, r := range rows {
		for i, cell := range r.cells {
			w[i] = max(w[i], runeLen(cell))
		}
	}
	// Cap the middle columns so the last ones stay visible.
	for i := range w {
		w[i] = min(w[i], max(width/2, 8))
	}
	return w
}

func formatRow(cells []string, widths []int, width int) string {
	var b strings.Builder
	for i, cell := range cells {
		if i > 0 {
			b.WriteString(" ")
		}
		if i == len(cells)-1 {
			b.WriteString(cell)
			break
		}
		b.WriteString(pad(clip(cell, widths[i]), widths[i]))
	}
	return clip(b.String(), width)
}

func runeLen(s string) int { return len([]rune(s)) }

// clip cuts s to n columns, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}

func pad(s string, n int) string {
	if k := runeLen(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// seconds formats a duration in seconds for a table: "", "850ms", "12s",
// "3m20s", "2h5m".
func seconds(s float64) string {
	if s <= 0 {
		return ""
	}
	d := time.Duration(s * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

func mark(hot bool) string {
	if hot {
		return "!"
	}
	return " "
}

// WriteTables writes the three tables once, as plain text: the console's
// output for a pipe, a log or a terminal it cannot drive.
func WriteTables(w io.Writer, url string, d Data) error {
	c := &Console{URL: url, data: d}
	var b strings.Builder
	b.WriteString(c.title() + "\n")
	for v := View(0); v < numViews; v++ {
		rows := c.rowsOf(v)
		fmt.Fprintf(&b, "\n%s (%d)\n", strings.ToUpper(v.String()), len(rows))
		widths := columnWidths(headers[v], rows, 1<<20)
		b.WriteString(strings.TrimRight(formatRow(headers[v], widths, 1<<20), " ") + "\n")
		for _, r := range rows {
			b.WriteString(strings.TrimRight(formatRow(r.cells, widths, 1<<20), " ") + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

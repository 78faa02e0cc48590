package sarif

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSplitPosn(t *testing.T) {
	for _, tc := range []struct {
		in        string
		file      string
		line, col int
	}{
		{"/a/b.go:12:3", "/a/b.go", 12, 3},
		{"b.go:7", "b.go", 7, 0},
		{"C:/x/b.go:1:2", "C:/x/b.go", 1, 2},
		{"b.go", "b.go", 1, 0},
	} {
		f, l, c := splitPosn(tc.in)
		if f != tc.file || l != tc.line || c != tc.col {
			t.Errorf("splitPosn(%q) = %q, %d, %d; want %q, %d, %d", tc.in, f, l, c, tc.file, tc.line, tc.col)
		}
	}
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, "gridlock vet", "", "/m", []Finding{{
		Kind: "lock-leak", Posn: "/m/p/x.go:3:2", Message: "lock-leak: mu is not released",
		Related: []Related{{Posn: "/m/p/x.go:5:3", Message: "returns with mu held"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ruleId": "lock-leak"`, `"uri": "p/x.go"`, `"uriBaseId": "%SRCROOT%"`,
		`"helpUri": "https://github.com/gridlock-go/gridlock/blob/main/docs/findings/lock-leak.md"`, `"codeFlows"`, `"relatedLocations"`} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("SARIF lacks %s:\n%s", want, b.String())
		}
	}
}

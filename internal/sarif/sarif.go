// Package sarif writes static-analysis findings as SARIF 2.1.0, the format
// that code hosts and CI systems read: one rule per finding kind with a
// link to its page, related locations, and a code flow for each finding
// that has secondary positions (the lock site, the calls on the way).
package sarif

import (
	"encoding/json"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gridlock-go/gridlock/report"
)

// A Finding is one diagnostic, in go vet's JSON terms.
type Finding struct {
	Kind    string // the finding kind, the rule id
	Posn    string // "file:line:col"
	Message string
	Related []Related
}

// A Related is a secondary position of a finding.
type Related struct {
	Posn    string
	Message string
}

// Write writes fs as a SARIF 2.1.0 log for a tool called name. File names
// are made relative to root where they lie under it.
func Write(w io.Writer, name, version, root string, fs []Finding) error {
	kinds := map[string]bool{}
	for _, f := range fs {
		kinds[f.Kind] = true
	}
	var rules []rule
	var ids []string
	for k := range kinds {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	for _, id := range ids {
		k := report.Kind(id)
		r := rule{ID: id, Name: ruleName(id), Short: text{k.Info().Title}}
		if k.Known() {
			r.HelpURI = k.Doc()
			r.Help = &text{k.Info().Hint}
		}
		rules = append(rules, r)
	}
	results := []result{}
	for _, f := range fs {
		res := result{RuleID: f.Kind, Level: "warning", Message: text{f.Message}, Locations: []location{loc(root, f.Posn, "")}}
		var flow []threadFlowLocation
		for i, r := range f.Related {
			l := loc(root, r.Posn, r.Message)
			l.ID = i + 1
			res.Related = append(res.Related, l)
			flow = append(flow, threadFlowLocation{Location: loc(root, r.Posn, r.Message)})
		}
		if len(flow) > 0 {
			flow = append(flow, threadFlowLocation{Location: loc(root, f.Posn, f.Message)})
			res.CodeFlows = []codeFlow{{ThreadFlows: []threadFlow{{Locations: flow}}}}
		}
		results = append(results, res)
	}
	doc := log{
		Version: "2.1.0",
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Runs: []run{{
			Tool:    tool{Driver: driver{Name: name, Version: version, InformationURI: "https://github.com/gridlock-go/gridlock", Rules: rules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func ruleName(id string) string {
	var b strings.Builder
	for _, p := range strings.Split(id, "-") {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// loc parses "file:line:col" into a location.
func loc(root, posn, msg string) location {
	file, line, col := splitPosn(posn)
	if root != "" {
		if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	l := location{Physical: physical{Artifact: artifact{URI: filepath.ToSlash(file)}, Region: region{StartLine: line, StartColumn: col}}}
	if !filepath.IsAbs(file) {
		l.Physical.Artifact.URIBaseID = "%SRCROOT%"
	}
	if msg != "" {
		l.Message = &text{msg}
	}
	return l
}

func splitPosn(p string) (file string, line, col int) {
	file = p
	for range 2 {
		i := strings.LastIndexByte(file, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(file[i+1:])
		if err != nil {
			break
		}
		line, col = n, line
		file = file[:i]
	}
	if line == 0 {
		line = 1
	}
	return file, line, col
}

type log struct {
	Version string `json:"version"`
	Schema  string `json:"$schema"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool    tool     `json:"tool"`
	Results []result `json:"results"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

type rule struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Short   text   `json:"shortDescription"`
	HelpURI string `json:"helpUri,omitempty"`
	Help    *text  `json:"help,omitempty"`
}

type text struct {
	Text string `json:"text"`
}

type result struct {
	RuleID    string     `json:"ruleId"`
	Level     string     `json:"level"`
	Message   text       `json:"message"`
	Locations []location `json:"locations"`
	Related   []location `json:"relatedLocations,omitempty"`
	CodeFlows []codeFlow `json:"codeFlows,omitempty"`
}

type location struct {
	ID       int      `json:"id,omitempty"`
	Physical physical `json:"physicalLocation"`
	Message  *text    `json:"message,omitempty"`
}

type physical struct {
	Artifact artifact `json:"artifactLocation"`
	Region   region   `json:"region"`
}

type artifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type codeFlow struct {
	ThreadFlows []threadFlow `json:"threadFlows"`
}

type threadFlow struct {
	Locations []threadFlowLocation `json:"locations"`
}

type threadFlowLocation struct {
	Location location `json:"location"`
}

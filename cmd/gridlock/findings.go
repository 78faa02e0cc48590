package main

import (
	"encoding/json"
	"fmt"

	"github.com/gridlock-go/gridlock/report"
)

var findingsCmd = &command{
	name:  "findings",
	usage: "[-json]",
	short: "list the kinds of findings and their documentation",
	long: `
Findings lists every kind of finding gridlock reports, the same catalog
for the runtime detector, gridlock vet and gridlock analyze, with a link
to the page that explains its cause and fix.`,
	run: runFindings,
}

func runFindings(ctx *env, args []string) (int, error) {
	fs := newFlagSet(ctx)
	asJSON := fs.Bool("json", false, "print the catalog as JSON")
	if code, err := parseFlags(fs, args); err != nil {
		return code, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage, errSilent
	}
	cat := report.Catalog()
	if *asJSON {
		type entry struct {
			Kind  report.Kind `json:"kind"`
			Title string      `json:"title"`
			Hint  string      `json:"hint"`
			Doc   string      `json:"doc"`
		}
		var out []entry
		for _, i := range cat {
			out = append(out, entry{i.Kind, i.Title, i.Hint, i.Kind.Doc()})
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return 1, err
		}
		fmt.Fprintf(ctx.stdout, "%s\n", b)
		return 0, nil
	}
	for _, i := range cat {
		fmt.Fprintf(ctx.stdout, "%-26s %s\n%-26s %s\n", i.Kind, i.Title, "", i.Kind.Doc())
	}
	return 0, nil
}

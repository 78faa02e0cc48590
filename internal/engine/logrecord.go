package engine

import (
	"context"
	"log/slog"

	"github.com/gridlock-go/gridlock/report"
)

// logRecord writes f to l as one structured record: its message is the
// kind's title, its attributes the kind, the summary, the goroutines (id,
// name, state, where each waits), the resources (id, kind, class), the
// source positions, the identity and the documentation. Deadlocks and
// goroutines blocked for good are errors; the other kinds, warnings.
func logRecord(l *slog.Logger, f *report.Finding) {
	level := slog.LevelWarn
	if f.Kind == report.Deadlock || f.Kind == report.PartialDeadlock {
		level = slog.LevelError
	}
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	var goroutines []map[string]any
	for _, g := range f.Goroutines {
		m := map[string]any{"id": g.ID}
		if g.Name != "" {
			m["name"] = g.Name
		}
		if g.State != "" {
			m["state"] = g.State
		}
		if top := g.Stack.Top(); top.Func != "" {
			m["func"], m["at"] = top.Func, top.Pos()
		}
		if g.Wait != nil {
			m["waits"] = g.Wait.Resource
		}
		var holds []string
		for _, h := range g.Holds {
			holds = append(holds, h.Resource)
		}
		if len(holds) > 0 {
			m["holds"] = holds
		}
		goroutines = append(goroutines, m)
	}
	var locks []map[string]any
	for _, r := range f.Resources {
		m := map[string]any{"id": r.ID, "kind": string(r.Kind)}
		if r.Name != "" {
			m["class"] = r.Name
		}
		if r.Site != nil {
			m["site"] = r.Site.Pos()
		}
		locks = append(locks, m)
	}
	attrs := []slog.Attr{
		slog.String("kind", string(f.Kind)),
		slog.String("summary", f.Summary),
	}
	if len(goroutines) > 0 {
		attrs = append(attrs, slog.Any("goroutines", goroutines))
	}
	if len(locks) > 0 {
		attrs = append(attrs, slog.Any("resources", locks))
	}
	if len(f.Positions) > 0 {
		attrs = append(attrs, slog.Any("sites", f.Positions))
	}
	if f.Key != "" {
		attrs = append(attrs, slog.String("key", f.Key))
	}
	attrs = append(attrs, slog.String("doc", f.Kind.Doc()))
	l.LogAttrs(ctx, level, "gridlock: "+f.Title(), attrs...)
}

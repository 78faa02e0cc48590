package debughttp_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition parses the Prometheus text exposition format (0.0.4)
// strictly: every sample belongs to a family declared by a TYPE line
// before it, label values are well quoted, values are numbers, and a
// histogram's buckets are cumulative and end with le="+Inf", equal to its
// count.
func parseExposition(text string) (*exposition, error) {
	e := &exposition{types: map[string]string{}, samples: map[string]float64{}}
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("does not end with a line feed")
	}
	lastBucket := map[string]float64{} // histogram series without le → last bucket
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			f := strings.SplitN(rest, " ", 3)
			switch {
			case len(f) >= 2 && f[0] == "HELP":
				if !metricName.MatchString(f[1]) {
					return nil, fmt.Errorf("line %d: bad metric name %q", n, f[1])
				}
			case len(f) == 3 && f[0] == "TYPE":
				if !metricName.MatchString(f[1]) {
					return nil, fmt.Errorf("line %d: bad metric name %q", n, f[1])
				}
				switch f[2] {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					return nil, fmt.Errorf("line %d: bad type %q", n, f[2])
				}
				if _, dup := e.types[f[1]]; dup {
					return nil, fmt.Errorf("line %d: second TYPE for %s", n, f[1])
				}
				e.types[f[1]] = f[2]
			}
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		family := name
		if _, ok := e.types[family]; !ok {
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suf); ok && e.types[b] == "histogram" {
					family = b
				}
			}
		}
		if _, ok := e.types[family]; !ok {
			return nil, fmt.Errorf("line %d: sample of %s before its TYPE", n, name)
		}
		key := name
		if len(labels) > 0 {
			key += "{" + strings.Join(labels, ",") + "}"
		}
		if _, dup := e.samples[key]; dup {
			return nil, fmt.Errorf("line %d: second sample of %s", n, key)
		}
		e.samples[key] = value
		if e.types[family] == "histogram" {
			var rest []string
			le := ""
			for _, l := range labels {
				if v, ok := strings.CutPrefix(l, "le="); ok {
					le = v
				} else {
					rest = append(rest, l)
				}
			}
			series := family + "{" + strings.Join(rest, ",") + "}"
			switch {
			case strings.HasSuffix(name, "_bucket"):
				if le == "" {
					return nil, fmt.Errorf("line %d: bucket without le", n)
				}
				if value < lastBucket[series] {
					return nil, fmt.Errorf("line %d: buckets of %s not cumulative", n, series)
				}
				lastBucket[series] = value
				if le == `"+Inf"` {
					lastBucket[series+"+Inf"] = value
				}
			case strings.HasSuffix(name, "_count"):
				inf, ok := lastBucket[series+"+Inf"]
				if !ok || inf != value {
					return nil, fmt.Errorf("line %d: count of %s is %v, its +Inf bucket %v", n, series, value, inf)
				}
			}
		}
	}
	return e, nil
}

// parseSample parses `name{l="v",...} value`.
func parseSample(line string) (name string, labels []string, value float64, err error) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", nil, 0, fmt.Errorf("no value: %q", line)
	}
	name, rest := line[:i], line[i:]
	if !metricName.MatchString(name) {
		return "", nil, 0, fmt.Errorf("bad metric name %q", name)
	}
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for !strings.HasPrefix(rest, "}") {
			eq := strings.Index(rest, "=")
			if eq < 0 || !labelName.MatchString(rest[:eq]) {
				return "", nil, 0, fmt.Errorf("bad label in %q", line)
			}
			ln := rest[:eq]
			rest = rest[eq+1:]
			if !strings.HasPrefix(rest, `"`) {
				return "", nil, 0, fmt.Errorf("unquoted label value in %q", line)
			}
			j := 1
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' {
					j++
					if j >= len(rest) || !strings.ContainsRune(`\"n`, rune(rest[j])) {
						return "", nil, 0, fmt.Errorf("bad escape in %q", line)
					}
				}
			}
			if j >= len(rest) {
				return "", nil, 0, fmt.Errorf("unterminated label value in %q", line)
			}
			labels = append(labels, ln+"="+rest[:j+1])
			rest = rest[j+1:]
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				return "", nil, 0, fmt.Errorf("bad label list in %q", line)
			}
		}
		rest = rest[1:]
	}
	f := strings.Fields(rest)
	if len(f) < 1 || len(f) > 2 || !strings.HasPrefix(rest, " ") {
		return "", nil, 0, fmt.Errorf("bad value in %q", line)
	}
	value, err = strconv.ParseFloat(f[0], 64)
	if err != nil {
		return "", nil, 0, fmt.Errorf("bad value in %q", line)
	}
	return name, labels, value, nil
}

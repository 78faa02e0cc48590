package precision

import (
	"os"
	"strconv"
	"strings"
)

// groupRSS returns the resident memory, in bytes, of the processes of the
// process group pgid, from /proc.
func groupRSS(pgid int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	page := int64(os.Getpagesize())
	var total int64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
		// cminflt majflt cmajflt utime stime cutime cstime priority nice
		// num_threads itrealvalue starttime vsize rss ...; comm may hold
		// spaces, so count from its closing parenthesis.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 22 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		if rss, err := strconv.ParseInt(f[21], 10, 64); err == nil {
			total += rss * page
		}
	}
	return total
}

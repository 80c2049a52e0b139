package gincache

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzIfModifiedSince: for any If-Modified-Since field and Last-Modified time,
// notModified never panics; a field that is not exactly one valid HTTP-date
// never gives a 304 (RFC 9110 §13.1.3, RFC 9110 §13.1); a valid one gives a 304 exactly
// when Last-Modified, at one-second precision, is at or before it (RFC 9110 §13.1.3), and
// never when Last-Modified is unknown; and an If-None-Match beside it decides
// alone (RFC 9110 §13.1.3). Validity is judged by strictHTTPDate, written from the grammar
// rather than with time.Parse, so it checks the parser rather than repeats it.
func FuzzIfModifiedSince(f *testing.F) {
	f.Add("Mon, 23 Nov 2026 12:00:00 GMT", int64(1795435200), int64(0), int64(0))
	f.Add("Monday, 23-Nov-26 12:00:00 GMT", int64(1795435201), int64(0), int64(-1))
	f.Add("Mon Nov 23 12:00:00 2026", int64(1795435199), int64(999999999), int64(1))
	f.Add("Sun Nov  1 12:00:00 2026", int64(0), int64(0), int64(999999999))
	f.Add("Mon, 23 Nov 2026 1:00:00 GMT", int64(1795395600), int64(0), int64(0))
	f.Add("Mon, 23 Nov 2026 12:00:00.5 GMT", int64(1795435200), int64(0), int64(0))
	f.Add("Tue, 23 Nov 2026 12:00:00 GMT", int64(1795435200), int64(0), int64(0))
	f.Add("Monday, 23-Nov-26 12:00:00 PST", int64(1795435200), int64(0), int64(0))
	f.Add("Mon, 23 Nov 2026 12:00:00 GMT\nMon, 23 Nov 2026 12:00:00 GMT", int64(0), int64(0), int64(0))
	f.Add("", int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, ims string, lmSec, lmNsec, delta int64) {
		lines := strings.Split(ims, "\n") // one field line per line of input
		h := http.Header{"If-Modified-Since": lines}
		date, valid := strictHTTPDate(ims)

		lms := []time.Time{{}, time.Unix(lmSec, lmNsec)}
		if valid {
			// Last-Modified near the date, to reach the boundary.
			lms = append(lms, date.Add(time.Duration(delta)), date, date.Add(-time.Second), date.Add(time.Second-1))
		}
		for _, lm := range lms {
			want := valid && !lm.IsZero() && lm.Unix() <= date.Unix()
			if got := notModified(h, `"e"`, lm); got != want {
				t.Fatalf("notModified(If-Modified-Since %q, Last-Modified %v) = %v; want %v (valid HTTP-date: %v)",
					lines, lm, got, want, valid)
			}
			// RFC 9110 §13.1.3: If-None-Match decides alone.
			for inm, want := range map[string]bool{`"e"`: true, `"other"`: false, "x": false} {
				h := http.Header{"If-Modified-Since": lines, "If-None-Match": {inm}}
				if got := notModified(h, `"e"`, lm); got != want {
					t.Fatalf("notModified(If-None-Match %q, If-Modified-Since %q, Last-Modified %v) = %v; want %v",
						inm, lines, lm, got, want)
				}
			}
		}
	})
}

// strictHTTPDate parses s as one HTTP-date of RFC 9110 §5.6.7, following its
// grammar: IMF-fixdate, rfc850-date or asctime-date, names case-sensitive,
// two-digit time fields, "GMT", a day that exists and the weekday of the date.
// Two things are left to match time.Parse, both on the safe side of 304: a
// leap second (":60", which the grammar allows) is invalid here, and an
// rfc850-date's two-digit year means 1969–2068 (the RFC reads it as the
// nearest year not more than 50 years ahead).
func strictHTTPDate(s string) (time.Time, bool) {
	var wd, day, mon, year, tod string
	switch {
	case len(s) == 29 && s[3:5] == ", " && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' && s[25:] == " GMT":
		wd, day, mon, year, tod = s[:3], s[5:7], s[8:11], s[12:16], s[17:25]
	case len(s) == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ':
		wd, mon, day, tod, year = s[:3], s[4:7], s[8:10], s[11:19], s[20:]
		if day[0] == ' ' {
			day = "0" + day[1:]
		}
	default:
		name, rest, ok := strings.Cut(s, ", ")
		if !ok || len(rest) != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' || rest[18:] != " GMT" {
			return time.Time{}, false
		}
		if l := longDayName(name); l == "" || name != l {
			return time.Time{}, false
		}
		wd, day, mon, year, tod = name[:3], rest[:2], rest[3:6], rest[7:9], rest[10:18]
	}
	d, ok1 := num(day)
	y, ok2 := num(year)
	hh, ok3 := num(tod[0:2])
	mm, ok4 := num(tod[3:5])
	ss, ok5 := num(tod[6:8])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || tod[2] != ':' || tod[5] != ':' || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	if len(year) == 2 {
		y += 1900
		if y < 1969 {
			y += 100
		}
	}
	m := strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", mon)
	if len(mon) != 3 || m < 0 || m%3 != 0 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m/3+1), d, hh, mm, ss, 0, time.UTC)
	if t.Day() != d || t.Weekday().String()[:3] != wd {
		return time.Time{}, false
	}
	return t, true
}

// longDayName returns the day-name-l that begins as name does, or "".
func longDayName(name string) string {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if l := d.String(); len(name) >= 3 && l[:3] == name[:3] {
			return l
		}
	}
	return ""
}

// num reads a string of ASCII digits.
func num(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, s != ""
}

package gincache

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// t0 is the Date of the responses in these tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// httpDate formats t + d as an HTTP-date (RFC 9110 §5.6.7).
func httpDate(d time.Duration) string { return t0.Add(d).Format(http.TimeFormat) }

func TestFreshnessLifetime(t *testing.T) {
	date := httpDate(0)
	tests := []struct {
		name         string
		status       int // 200 when zero
		header       http.Header
		heuristic    float64
		want         time.Duration
		wantExplicit bool
	}{
		{name: "§4.2.1 nothing: no lifetime", header: http.Header{"Date": {date}}},
		{name: "§4.2.1 s-maxage first", header: http.Header{"Date": {date}, "Cache-Control": {"max-age=60, s-maxage=120"}, "Expires": {httpDate(time.Hour)}},
			want: 120 * time.Second, wantExplicit: true},
		{name: "§4.2.1 s-maxage=0 still first", header: http.Header{"Cache-Control": {"s-maxage=0, max-age=60"}}, wantExplicit: true},
		{name: "§4.2.1 max-age second", header: http.Header{"Date": {date}, "Cache-Control": {"max-age=60"}, "Expires": {httpDate(time.Hour)}},
			want: 60 * time.Second, wantExplicit: true},
		{name: "§5.3 max-age wins over an invalid Expires", header: http.Header{"Date": {date}, "Cache-Control": {"max-age=60"}, "Expires": {"0"}},
			want: 60 * time.Second, wantExplicit: true},
		{name: "§4.2.1 Expires minus Date third", header: http.Header{"Date": {date}, "Expires": {httpDate(time.Hour)}},
			want: time.Hour, wantExplicit: true},
		{name: "§4.2.1 Expires in RFC 850 format", header: http.Header{"Date": {date}, "Expires": {t0.Add(time.Minute).Format("Monday, 02-Jan-06 15:04:05 GMT")}},
			want: time.Minute, wantExplicit: true},
		{name: "§4.2.1 Expires in asctime format", header: http.Header{"Date": {date}, "Expires": {t0.Add(time.Minute).Format(time.ANSIC)}},
			want: time.Minute, wantExplicit: true},
		{name: "RFC 9110 §5.6.7 Expires with two spaces is not a date: already expired", header: http.Header{"Date": {"Thu, 01 Dec 1994 15:00:00 GMT"}, "Expires": {"Thu, 01  Dec 1994 16:00:00 GMT"}},
			wantExplicit: true},
		{name: "RFC 9110 §5.6.7 Expires with a one-digit hour is not a date: already expired", header: http.Header{"Date": {"Thu, 01 Dec 1994 05:00:00 GMT"}, "Expires": {"Thu, 01 Dec 1994 6:00:00 GMT"}},
			wantExplicit: true},
		{name: "RFC 9110 §5.6.7 Expires in RFC 850 form with UTC is not a date: already expired", header: http.Header{"Date": {date}, "Expires": {t0.Add(time.Minute).Format(time.RFC850)}},
			wantExplicit: true},
		{name: "RFC 9110 §5.6.7 Expires in lower case is not a date: already expired", header: http.Header{"Date": {date}, "Expires": {strings.ToLower(httpDate(time.Hour))}},
			wantExplicit: true},
		{name: "RFC 9110 §5.6.7 a Date with two spaces is no Date: Expires gives 0", header: http.Header{"Date": {"Thu, 01  Dec 1994 15:00:00 GMT"}, "Expires": {"Thu, 01 Dec 1994 16:00:00 GMT"}},
			wantExplicit: true},
		{name: "§4.2.1 Expires before Date clamps to 0", header: http.Header{"Date": {date}, "Expires": {httpDate(-time.Hour)}}, wantExplicit: true},
		{name: `§5.3 Expires "0" is already expired`, header: http.Header{"Date": {date}, "Expires": {"0"}}, wantExplicit: true},
		{name: "§5.3 Expires not an HTTP-date is already expired", header: http.Header{"Date": {date}, "Expires": {"tomorrow"}}, wantExplicit: true},
		{name: "§5.3 empty Expires is already expired", header: http.Header{"Date": {date}, "Expires": {""}}, wantExplicit: true},
		{name: "§4.2.1 two Expires lines are already expired", header: http.Header{"Date": {date}, "Expires": {httpDate(time.Hour), httpDate(time.Hour)}}, wantExplicit: true},
		{name: "§4.2.1 Expires without Date is 0", header: http.Header{"Expires": {httpDate(time.Hour)}}, wantExplicit: true},
		{name: "§4.2.1 Expires with invalid Date is 0", header: http.Header{"Date": {"now"}, "Expires": {httpDate(time.Hour)}}, wantExplicit: true},
		{name: "§4.2.1 Expires beats the heuristic", header: http.Header{"Date": {date}, "Expires": {httpDate(time.Minute)}, "Last-Modified": {httpDate(-100 * time.Hour)}},
			heuristic: 0.1, want: time.Minute, wantExplicit: true},
		{name: "§4.2.1 invalid max-age is stale", header: http.Header{"Date": {date}, "Cache-Control": {"max-age=abc"}, "Expires": {httpDate(time.Hour)}}, wantExplicit: true},
		{name: "§4.2.1 conflicting max-age is stale", header: http.Header{"Cache-Control": {"max-age=60", "max-age=120"}}, wantExplicit: true},
		{name: "§4.2.1 invalid s-maxage beats valid max-age", header: http.Header{"Cache-Control": {"max-age=60, s-maxage=-1"}}, wantExplicit: true},
		{name: "§4.2.1 invalid max-age beats heuristic", header: http.Header{"Date": {date}, "Cache-Control": {"max-age=1.5"}, "Last-Modified": {httpDate(-100 * time.Second)}},
			heuristic: 0.1, wantExplicit: true},
		{name: "§1.2.2 capped max-age", header: http.Header{"Cache-Control": {"max-age=99999999999"}}, want: maxDelta, wantExplicit: true},

		// §4.2.2 heuristic freshness.
		{name: "§4.2.2 heuristic 10% of Date minus Last-Modified", header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}},
			heuristic: 0.1, want: 10 * time.Second},
		{name: "§4.2.2 heuristic truncates to whole seconds", header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-109 * time.Second)}},
			heuristic: 0.1, want: 10 * time.Second},
		{name: "§4.2.2 heuristic off when zero", header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}}},
		{name: "§4.2.2 negative heuristic is off", header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}}, heuristic: -1},
		{name: "§4.2.2 heuristic needs Last-Modified", header: http.Header{"Date": {date}}, heuristic: 0.1},
		{name: "§4.2.2 heuristic needs a valid Last-Modified", header: http.Header{"Date": {date}, "Last-Modified": {"yesterday"}}, heuristic: 0.1},
		{name: "RFC 9110 §5.6.7 heuristic needs a strict Last-Modified", header: http.Header{"Date": {date}, "Last-Modified": {"Sun, 01 Mar 2026 1:58:20 GMT"}}, heuristic: 0.1},
		{name: "§4.2.2 heuristic needs Date", header: http.Header{"Last-Modified": {httpDate(-100 * time.Second)}}, heuristic: 0.1},
		{name: "§4.2.2 Last-Modified after Date: no heuristic", header: http.Header{"Date": {date}, "Last-Modified": {httpDate(time.Second)}}, heuristic: 0.1},
		{name: "§4.2.2 Last-Modified equal to Date: zero", header: http.Header{"Date": {date}, "Last-Modified": {date}}, heuristic: 0.1},
		{name: "§4.2.2 heuristic caps at 2^31 s", header: http.Header{"Date": {date}, "Last-Modified": {"Mon, 01 Jan 0001 00:00:00 GMT"}}, heuristic: 1e9, want: maxDelta},
		{name: "RFC 9110 §15.1 404 is heuristically cacheable", status: 404, header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}},
			heuristic: 0.1, want: 10 * time.Second},
		{name: "RFC 9110 §15.1 206 is heuristically cacheable", status: 206, header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}},
			heuristic: 0.1, want: 10 * time.Second},
		{name: "RFC 9110 §15.1 302 is not", status: 302, header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}}, heuristic: 0.1},
		{name: "RFC 9110 §15.1 500 is not", status: 500, header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}}, heuristic: 0.1},
		{name: "§4.2.2 public makes any status heuristic", status: 302, header: http.Header{"Date": {date}, "Last-Modified": {httpDate(-100 * time.Second)}, "Cache-Control": {"public"}},
			heuristic: 0.1, want: 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			cc := parseCacheControl(tt.header["Cache-Control"])
			got, explicit := freshnessLifetime(status, tt.header, cc, tt.heuristic)
			if got != tt.want || explicit != tt.wantExplicit {
				t.Errorf("freshnessLifetime(%d, %q, %v): got %v, %v; want %v, %v", status, tt.header, tt.heuristic, got, explicit, tt.want, tt.wantExplicit)
			}
		})
	}
}

func TestInitialAge(t *testing.T) {
	sent, received := t0.Add(-2*time.Second), t0 // the request left 2 s before the response came back
	tests := []struct {
		name           string
		header         http.Header
		sent, received time.Time // sent, received when zero
		want           time.Duration
	}{
		{name: "§4.2.3 fresh from origin: response delay only", header: http.Header{"Date": {httpDate(-time.Second)}}, want: 2 * time.Second},
		{name: "§4.2.3 apparent age beats corrected age value", header: http.Header{"Date": {httpDate(-10 * time.Second)}, "Age": {"3"}}, want: 10 * time.Second},
		{name: "§4.2.3 corrected age value beats apparent age", header: http.Header{"Date": {httpDate(-10 * time.Second)}, "Age": {"30"}}, want: 32 * time.Second},
		{name: "§4.2.3 age value plus response delay", header: http.Header{"Date": {httpDate(0)}, "Age": {"5"}}, want: 7 * time.Second},
		{name: "§4.2.3 no delay, no age, Date now", header: http.Header{"Date": {httpDate(0)}}, sent: received, want: 0},
		{name: "§4.2.3 clock skew: Date in the future gives apparent age 0", header: http.Header{"Date": {httpDate(time.Hour)}, "Age": {"4"}}, want: 6 * time.Second},
		{name: "§4.2.3 clock skew without Age: delay only", header: http.Header{"Date": {httpDate(time.Hour)}}, want: 2 * time.Second},
		{name: "§4.2.3 missing Date: apparent age 0", header: http.Header{"Age": {"5"}}, want: 7 * time.Second},
		{name: "§4.2.3 invalid Date: apparent age 0", header: http.Header{"Date": {"yesterday"}}, want: 2 * time.Second},
		{name: "§5.1 list Age: first member", header: http.Header{"Date": {httpDate(0)}, "Age": {"5, 100"}}, want: 7 * time.Second},
		{name: "§5.1 several Age lines: first", header: http.Header{"Date": {httpDate(0)}, "Age": {" 5 ", "100"}}, want: 7 * time.Second},
		{name: "§5.1 negative Age ignored", header: http.Header{"Date": {httpDate(0)}, "Age": {"-50"}}, want: 2 * time.Second},
		{name: "§5.1 non-numeric Age ignored", header: http.Header{"Date": {httpDate(0)}, "Age": {"old"}}, want: 2 * time.Second},
		{name: "§5.1 fractional Age ignored", header: http.Header{"Date": {httpDate(0)}, "Age": {"1.5"}}, want: 2 * time.Second},
		{name: "§5.1 empty Age ignored", header: http.Header{"Date": {httpDate(0)}, "Age": {""}}, want: 2 * time.Second},
		{name: "§5.1 invalid first member ignored, not the next", header: http.Header{"Date": {httpDate(0)}, "Age": {"x, 100"}}, want: 2 * time.Second},
		{name: "§1.2.2 huge Age caps at 2^31 s", header: http.Header{"Age": {"99999999999999999999"}}, want: maxDelta},
		{name: "§1.2.2 ancient Date caps at 2^31 s", header: http.Header{"Date": {"Mon, 01 Jan 0001 00:00:00 GMT"}}, want: maxDelta},
		{name: "negative response delay counts as 0", header: http.Header{"Age": {"5"}}, sent: t0.Add(time.Second), want: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, r := sent, received
			if !tt.sent.IsZero() {
				s = tt.sent
			}
			if !tt.received.IsZero() {
				r = tt.received
			}
			if got := initialAge(tt.header, s, r); got != tt.want {
				t.Errorf("initialAge(%q, %v, %v): got %v; want %v", tt.header, s, r, got, tt.want)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   time.Time
		ok     bool
	}{
		{name: "missing", header: http.Header{}},
		{name: "IMF-fixdate", header: http.Header{"Date": {httpDate(0)}}, want: t0, ok: true},
		{name: "surrounding whitespace", header: http.Header{"Date": {" " + httpDate(0) + " "}}, want: t0, ok: true},
		{name: "asctime", header: http.Header{"Date": {t0.Format(time.ANSIC)}}, want: t0, ok: true},
		{name: "not a date", header: http.Header{"Date": {"0"}}},
		{name: "RFC 9110 §5.6.7 two spaces", header: http.Header{"Date": {"Sun, 01  Mar 2026 12:00:00 GMT"}}},
		{name: "RFC 9110 §5.6.7 one-digit hour", header: http.Header{"Date": {"Sun, 01 Mar 2026 2:00:00 GMT"}}},
		{name: "RFC 9110 §5.6.7 a weekday that is not the date's", header: http.Header{"Date": {"Mon, 01 Mar 2026 12:00:00 GMT"}}},
		{name: "first line of several", header: http.Header{"Date": {httpDate(0), httpDate(time.Hour)}}, want: t0, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := dateOf(tt.header)
			if !got.Equal(tt.want) || ok != tt.ok {
				t.Errorf("dateOf(%q): got %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRequestAllows(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name          string
		req, resp     string // Cache-Control lines
		age, lifetime time.Duration
		want          bool
	}{
		{name: "§4.2 fresh", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§4.2 age equal to lifetime is stale", age: 10 * s, lifetime: 10 * s},
		{name: "§4.2 stale", age: 11 * s, lifetime: 10 * s},
		{name: "§4.2 zero lifetime is stale", lifetime: 0},

		{name: "§5.2.1.1 max-age above age", req: "max-age=6", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.1 max-age equal to age", req: "max-age=5", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.1 max-age below age", req: "max-age=4", age: 5 * s, lifetime: 10 * s},
		{name: "§5.2.1.1 max-age=0 refuses any age", req: "max-age=0", age: s / 2, lifetime: 10 * s},
		{name: "§5.2.1.1 max-age=0 at age 0", req: "max-age=0", lifetime: 10 * s, want: true},
		{name: "§5.2.1.1 invalid max-age ignored", req: "max-age=soon", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.1 conflicting max-age ignored", req: "max-age=1, max-age=2", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.1 max-age also bounds stale", req: "max-age=12, max-stale", age: 13 * s, lifetime: 10 * s},

		{name: "§5.2.1.3 min-fresh met", req: "min-fresh=5", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.3 min-fresh not met", req: "min-fresh=6", age: 5 * s, lifetime: 10 * s},
		{name: "§5.2.1.3 invalid min-fresh ignored", req: "min-fresh=-6", age: 5 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.3 min-fresh wins over max-stale", req: "min-fresh=0, max-stale", age: 11 * s, lifetime: 10 * s},

		{name: "§5.2.1.2 max-stale within", req: "max-stale=5", age: 15 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.2 max-stale beyond", req: "max-stale=5", age: 16 * s, lifetime: 10 * s},
		{name: "§5.2.1.2 max-stale without value: any", req: "max-stale", age: 1000 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.2 invalid max-stale ignored", req: "max-stale=lots", age: 11 * s, lifetime: 10 * s},
		{name: "§5.2.1.2 max-stale with fresh response", req: "max-stale=5", age: 5 * s, lifetime: 10 * s, want: true},

		{name: "§5.2.2.2 must-revalidate forbids stale", req: "max-stale", resp: "must-revalidate, max-age=10", age: 11 * s, lifetime: 10 * s},
		{name: "§5.2.2.2 must-revalidate allows fresh", resp: "must-revalidate, max-age=10", age: 9 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.2.8 proxy-revalidate forbids stale", req: "max-stale=100", resp: "proxy-revalidate", age: 11 * s, lifetime: 10 * s},
		{name: "§5.2.2.10 s-maxage forbids stale", req: "max-stale", resp: "s-maxage=10", age: 11 * s, lifetime: 10 * s},
		{name: "§5.2.2.10 invalid s-maxage forbids stale", req: "max-stale", resp: "s-maxage=x", age: 11 * s},
		{name: "§4.2.1 invalid max-age: stale, max-stale allows", req: "max-stale", resp: "max-age=x", age: 11 * s, want: true},
		{name: "§5.2.2.4 no-cache never without validation", resp: "no-cache", age: 1 * s, lifetime: 10 * s},
		{name: "§5.2.2.4 no-cache forbids stale", req: "max-stale", resp: "no-cache", age: 11 * s, lifetime: 10 * s},
		{name: "§5.2.2.4 qualified no-cache allows reuse (without its fields)", resp: `no-cache="X-Token"`, age: 1 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.2.4 qualified no-cache does not forbid stale", req: "max-stale", resp: `no-cache="X-Token"`, age: 11 * s, lifetime: 10 * s, want: true},
		{name: "§5.2.1.4 request no-cache", req: "no-cache", age: 1 * s, lifetime: 10 * s},
		{name: "§5.2.1.5 request no-store does not stop reuse", req: "no-store", age: 1 * s, lifetime: 10 * s, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, resp := parseCacheControl([]string{tt.req}), parseCacheControl([]string{tt.resp})
			if got := requestAllows(req, resp, tt.age, tt.lifetime); got != tt.want {
				t.Errorf("requestAllows(%q, %q, age %v, lifetime %v): got %v; want %v", tt.req, tt.resp, tt.age, tt.lifetime, got, tt.want)
			}
		})
	}
}

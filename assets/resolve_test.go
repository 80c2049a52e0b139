package assets

import "testing"

// cleanName is the resolver's first guard; the file table (only names found
// by the walk at New) is the second, so these cases are pinned here where
// the table cannot hide a regression.
func TestCleanName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/css/app.css", "css/app.css", true},
		{"/LICENSE", "LICENSE", true},
		{"/a b/c#d.css", "a b/c#d.css", true},
		{"css/app.css", "", false}, // the route's wildcard always starts with '/'
		{"", "", false},
		{"/", "", false},
		{"/.", "", false},
		{"/..", "", false},
		{"/../secret", "", false},
		{"/css/../app.css", "", false},
		{"/css/./app.css", "", false},
		{"//etc/passwd", "", false},
		{"/css//app.css", "", false},
		{"/css/", "", false},
		{`/..\secret`, "", false},
		{`/css\app.css`, "", false},
		{"/app.css\x00", "", false},
	}
	for _, tt := range tests {
		got, ok := cleanName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("cleanName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSplitFingerprint(t *testing.T) {
	const h = "0123456789ab"
	tests := []struct {
		in, base, fp string
		ok           bool
	}{
		{"css/app." + h + ".css", "css/app.css", h, true},
		{"LICENSE." + h, "LICENSE", h, true},
		{"archive.tar." + h + ".gz", "archive.tar.gz", h, true},
		{"dir.d/x." + h, "dir.d/x", h, true},
		{"app.css." + h, "", "", false}, // URL puts it before the extension
		{"app." + h[:8] + ".css", "", "", false},
		{"app.0123456789AB.css", "", "", false},
		{"app.0123456789ag.css", "", "", false},
		{"." + h + ".css", "", "", false},
		{"." + h, "", "", false},
		{"app.css", "", "", false},
		{"LICENSE", "", "", false},
	}
	for _, tt := range tests {
		base, fp, ok := splitFingerprint(tt.in)
		if base != tt.base || fp != tt.fp || ok != tt.ok {
			t.Errorf("splitFingerprint(%q) = %q, %q, %v; want %q, %q, %v", tt.in, base, fp, ok, tt.base, tt.fp, tt.ok)
		}
	}
}

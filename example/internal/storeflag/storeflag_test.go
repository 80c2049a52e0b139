package storeflag

import "testing"

func TestOpen(t *testing.T) {
	tests := []struct {
		spec, name string
		ok         bool
	}{
		{"", "memstore (in process)", true},
		{"redis://127.0.0.1:6379/0", "redis redis://127.0.0.1:6379/0", true},
		{"127.0.0.1:7001,127.0.0.1:7002", "redis 127.0.0.1:7001,127.0.0.1:7002", true},
		{"redis://127.0.0.1:7001?addr=127.0.0.1:7002", "redis redis://127.0.0.1:7001?addr=127.0.0.1:7002", true},
		{"ftp://nope", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, name, err := Open(tt.spec)
			if (err == nil) != tt.ok || name != tt.name {
				t.Errorf("Open(%q) = %q, %v; want %q, ok=%v", tt.spec, name, err, tt.name, tt.ok)
			}
		})
	}
}

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
		{"redis://127.0.0.1:26379?master_name=mymaster", "redis sentinel redis://127.0.0.1:26379?master_name=mymaster", true},
		{
			"redis://127.0.0.1:26379/2?master_name=mymaster&addr=127.0.0.1:26380&addr=127.0.0.1:26381",
			"redis sentinel redis://127.0.0.1:26379/2?master_name=mymaster&addr=127.0.0.1:26380&addr=127.0.0.1:26381", true,
		},
		{"redis://127.0.0.1:26379?master_name=mymaster&bogus=1", "", false},
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

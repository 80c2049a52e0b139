package accept

import "testing"

func BenchmarkChoose(b *testing.B) {
	for _, line := range []string{"gzip, deflate, br, zstd", "gzip", "br;q=1.0, gzip;q=0.8, *;q=0.1"} {
		b.Run(line, func(b *testing.B) {
			lines := []string{line}
			offered := []string{"br", "gzip"}
			for b.Loop() {
				_ = Choose(lines, offered)
			}
		})
	}
}

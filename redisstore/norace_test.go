//go:build !race

package redisstore

// raceEnabled: the race detector slows the client several times over.
const raceEnabled = false

package gincache

// Test hooks for the external tests.

// FlightWaiters reports how many requests wait on the render of key, and
// whether one is under way.
func FlightWaiters(c *Cache, key string) (int, bool) {
	c.flights.mu.Lock()
	defer c.flights.mu.Unlock()
	f, ok := c.flights.m[key]
	if !ok {
		return 0, false
	}
	return int(f.waiters.Load()), true
}

// StoreOf returns the Cache's store.
func StoreOf(c *Cache) Store { return c.store }

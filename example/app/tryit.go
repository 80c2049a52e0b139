package app

import "fmt"

// TryIt is the walk-through the example commands print at start, for a
// server on addr: one curl line for each thing the app shows.
func TryIt(addr string) string {
	u := "http://" + addr
	return fmt.Sprintf(`Try:
  curl -si %[1]s/ | grep -iE '^(HTTP|x-cache|cache-status|etag|cache-control|age)'    # MISS: rendered and stored
  curl -si %[1]s/ | grep -iE '^(HTTP|x-cache|cache-status|age)'                        # HIT from Server: the handler did not run
  curl -si -H "If-None-Match: $(curl -s -o /dev/null -D - %[1]s/ | awk 'tolower($1)=="etag:"{print $2}' | tr -d '\r')" %[1]s/ | grep -iE '^(HTTP|x-cache)'   # 304 HIT from Client
  curl -si -H 'Cache-Control: no-cache' %[1]s/ | grep -iE '^(HTTP|x-cache|cache-status)'  # hard refresh: rendered again
  curl -s --compressed -o /dev/null -D - %[1]s/ | grep -iE '^(content-encoding|content-length|etag|vary|x-cache)'   # br, compressed once when stored
  curl -s -H 'Accept-Encoding: gzip' %[1]s/ | gunzip | head -3   # gzip for a client without br, from the same entry
  curl -s %[1]s/api/items; curl -s -d item=new %[1]s/api/items; curl -s %[1]s/api/items   # NoStore: the new item shows at once
  curl -si -b user=alice %[1]s/me | grep -iE '^(HTTP|x-cache|cache-control)|Hello'        # private, stored per user
  curl -s %[1]s/api/notes; curl -s -d note=hi %[1]s/api/notes; curl -si %[1]s/api/notes | grep -iE '^x-cache|hi'   # cached, dropped by the POST
  for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%%{http_code} ' %[1]s/report & done; wait; echo   # 5 at once: one render (Cache-Status: collapsed)
  curl -s %[1]s/debug/cache; echo   # what the cache did: hits, misses, 304s… (gincache.Stats)
  curl -si %[1]s/users/42 | grep -i x-cache; curl -s -X POST -H "Authorization: Bearer $GINCACHE_PURGE_TOKEN" '%[1]s/admin/purge?tag=user:42'   # purge by tag
  curl -s -H "Authorization: Bearer $GINCACHE_PURGE_TOKEN" '%[1]s/admin/inspect?url=/users/42'; echo   # what is stored: key, age, lifetime, validators
`, u)
}

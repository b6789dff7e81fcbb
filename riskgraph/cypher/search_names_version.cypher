// What the search index is built from, in a few numbers: the latest feed run (entities and
// their names change through feeds; the API's own runs record inspections and intel) and the
// number of entities of each kind (intel may name one no feed had). The index is read again
// only when one of them has changed. (FalkorDB: search_names_version.falkordb.cypher.)
OPTIONAL MATCH (r:IngestRun) WHERE NOT r.feed STARTS WITH 'api:'
WITH r ORDER BY r.run_id DESC LIMIT 1
WITH r.run_id AS run, r.status AS status, r.finished_at AS finished
OPTIONAL MATCH (e:Enterprise) WITH run, status, finished, count(e) AS enterprises
OPTIONAL MATCH (p:Person) WITH run, status, finished, enterprises, count(p) AS persons
OPTIONAL MATCH (a:Agent) WITH run, status, finished, enterprises, persons, count(a) AS agents
OPTIONAL MATCH (v:Vehicle)
RETURN run, status, finished, enterprises, persons, agents, count(v) AS vehicles

// Enterprises whose internal ids are in [$lo, $hi): one page of the analysis projection.
// Internal ids join this page to the link pages without reading keys again.
MATCH (n:Enterprise)
WHERE id(n) >= $lo AND id(n) < $hi
RETURN id(n) AS id, n.tax_code AS key, n.status AS status, n.registered_on AS registered_on,
       coalesce(n.by_reference, false) AS by_reference, n.last_seen AS last_seen

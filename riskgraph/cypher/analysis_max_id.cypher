// The highest internal node id: the end of the id ranges the projection and the digest page through.
MATCH (n)
RETURN max(id(n)) AS max_id

// The registration days of the graph's first and last declaration: the months the
// columnar copy should hold.
MATCH (d:Declaration)
RETURN min(d.registered_on) AS first, max(d.registered_on) AS last

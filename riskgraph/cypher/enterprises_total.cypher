// How many enterprises the graph holds (loaded, or known by reference).
MATCH (e:Enterprise)
RETURN count(e) AS total

// How many of the given tax codes name an enterprise of the graph (loaded, or known by reference).
UNWIND $tax_codes AS tax_code
MATCH (e:Enterprise {tax_code: tax_code})
RETURN count(e) AS known

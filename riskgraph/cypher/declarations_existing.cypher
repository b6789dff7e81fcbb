// Which of these declarations are stored already, and the hash of what was stored.
UNWIND $keys AS k
MATCH (d:Declaration {declaration_no: k})
RETURN d.declaration_no AS key, d.row_hash AS row_hash

// The day the newest declaration in the store was registered.
MATCH (d:Declaration)
RETURN max(d.registered_on) AS newest

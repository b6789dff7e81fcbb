// Declarations assessed through the API, one queue entry per assessment (journal graph).
UNWIND $rows AS e
CREATE (q:QueueEntry)
SET q = e

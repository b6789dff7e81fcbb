// The newest $limit queue entries of each trader (journal graph): their scores and the
// trader's score when each was assessed.
UNWIND $traders AS tax
MATCH (q:QueueEntry {trader: tax})
WITH tax, q
ORDER BY q.at DESC
WITH tax, collect({declaration_no: q.declaration_no, at: q.at, score: q.score, trader_score: q.trader_score}) AS rows
RETURN tax AS trader, rows[..$limit] AS rows

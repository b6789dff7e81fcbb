// Intelligence reports about one node, newest first, with their Admiralty grades.
MATCH (n) WHERE id(n) = $node
MATCH (i:Intel)-[:ABOUT]->(n)
RETURN i.report_id AS report_id, i.received_on AS received_on, i.reliability AS reliability,
       i.credibility AS credibility, i.source_kind AS source_kind, i.summary AS summary,
       i.submitted_by AS submitted_by
ORDER BY received_on DESC
LIMIT $limit

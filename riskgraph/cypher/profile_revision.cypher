// A number that changes with every profile edit (each one adds a version): an assessor
// built on another is out of date.
MATCH (p:RiskProfile)
RETURN count(p) AS profiles, sum(p.version) AS versions

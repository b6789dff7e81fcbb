// Store version $version of risk profile $profile_id: the profile node carries the newest
// version, and every version is kept as a RiskProfileVersion (never updated or deleted).
// Written only when $version follows the stored one (1 for a new profile): an edit based on
// an older version, or a second create of one id, writes nothing and returns no row.
// (The stored version is taken into a value first: FalkorDB pushes a WHERE that tests the
// optional node for null into the OPTIONAL MATCH itself, which then never finds it.)
OPTIONAL MATCH (old:RiskProfile {profile_id: $profile_id})
WITH coalesce(old.version, 0) AS stored
WHERE stored = $version - 1
MERGE (p:RiskProfile {profile_id: $profile_id})
SET p += $props, p.version = $version
CREATE (v:RiskProfileVersion {key: $profile_id + '|' + toString($version)})
SET v += $props, v.profile_id = $profile_id, v.version = $version
RETURN p.version AS version

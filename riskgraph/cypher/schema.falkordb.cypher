// Range indexes on every natural key (FalkorDB). Unique constraints are added by the
// store through GRAPH.CONSTRAINT, which needs these indexes first.
CREATE INDEX FOR (n:Enterprise) ON (n.tax_code);
CREATE INDEX FOR (n:Person) ON (n.person_id);
CREATE INDEX FOR (n:Agent) ON (n.agent_code);
CREATE INDEX FOR (n:Vehicle) ON (n.vehicle_id);
CREATE INDEX FOR (n:Declaration) ON (n.declaration_no);
CREATE INDEX FOR (n:Violation) ON (n.violation_id);
CREATE INDEX FOR (n:Intel) ON (n.report_id);
CREATE INDEX FOR (n:Partner) ON (n.partner_key);
CREATE INDEX FOR (n:Phone) ON (n.number);
CREATE INDEX FOR (n:Email) ON (n.address);
CREATE INDEX FOR (n:Address) ON (n.key);
CREATE INDEX FOR (n:BankAccount) ON (n.account);
CREATE INDEX FOR (n:IngestRun) ON (n.run_id);
// Not keys: month windows of declarations for analysis, and the current analysis.
CREATE INDEX FOR (n:Declaration) ON (n.registered_on);
CREATE INDEX FOR (n:Analysis) ON (n.analysis_id);
CREATE INDEX FOR (n:RiskScore) ON (n.key);
CREATE INDEX FOR (n:RiskScore) ON (n.analysis_id);
CREATE INDEX FOR (n:SuspiciousNetwork) ON (n.analysis_id);
CREATE INDEX FOR (n:SuspiciousNetwork) ON (n.network_key);
CREATE INDEX FOR (n:WatchlistEntry) ON (n.entry_id);
CREATE INDEX FOR (n:WatchlistEntry) ON (n.entity);
CREATE INDEX FOR (n:ApiKey) ON (n.key_id);
CREATE INDEX FOR (n:RiskProfile) ON (n.profile_id);
CREATE INDEX FOR (n:RiskProfileVersion) ON (n.key);
CREATE INDEX FOR (n:RiskProfileVersion) ON (n.profile_id);
CREATE INDEX FOR (n:QueueEntry) ON (n.entry_id);
CREATE INDEX FOR (n:QueueEntry) ON (n.trader);
CREATE INDEX FOR (n:Tip) ON (n.tip_id);
CREATE INDEX FOR (n:Tip) ON (n.raised_on);
CREATE INDEX FOR (n:TipOutcome) ON (n.outcome_id);
CREATE INDEX FOR (n:AuditEntry) ON (n.entry_id)

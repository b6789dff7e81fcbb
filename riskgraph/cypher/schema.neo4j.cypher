// Uniqueness constraints on every natural key (Neo4j 5); each also creates its index.
CREATE CONSTRAINT enterprise_key IF NOT EXISTS FOR (n:Enterprise) REQUIRE n.tax_code IS UNIQUE;
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.person_id IS UNIQUE;
CREATE CONSTRAINT agent_key IF NOT EXISTS FOR (n:Agent) REQUIRE n.agent_code IS UNIQUE;
CREATE CONSTRAINT vehicle_key IF NOT EXISTS FOR (n:Vehicle) REQUIRE n.vehicle_id IS UNIQUE;
CREATE CONSTRAINT declaration_key IF NOT EXISTS FOR (n:Declaration) REQUIRE n.declaration_no IS UNIQUE;
CREATE CONSTRAINT violation_key IF NOT EXISTS FOR (n:Violation) REQUIRE n.violation_id IS UNIQUE;
CREATE CONSTRAINT intel_key IF NOT EXISTS FOR (n:Intel) REQUIRE n.report_id IS UNIQUE;
CREATE CONSTRAINT partner_key IF NOT EXISTS FOR (n:Partner) REQUIRE n.partner_key IS UNIQUE;
CREATE CONSTRAINT phone_key IF NOT EXISTS FOR (n:Phone) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT email_key IF NOT EXISTS FOR (n:Email) REQUIRE n.address IS UNIQUE;
CREATE CONSTRAINT address_key IF NOT EXISTS FOR (n:Address) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT bank_account_key IF NOT EXISTS FOR (n:BankAccount) REQUIRE n.account IS UNIQUE;
CREATE CONSTRAINT ingest_run_key IF NOT EXISTS FOR (n:IngestRun) REQUIRE n.run_id IS UNIQUE;
// Not keys: month windows of declarations for analysis.
CREATE INDEX declaration_registered_on IF NOT EXISTS FOR (n:Declaration) ON (n.registered_on);
CREATE CONSTRAINT analysis_key IF NOT EXISTS FOR (n:Analysis) REQUIRE n.analysis_id IS UNIQUE;
CREATE CONSTRAINT risk_score_key IF NOT EXISTS FOR (n:RiskScore) REQUIRE n.key IS UNIQUE;
CREATE INDEX risk_score_analysis IF NOT EXISTS FOR (n:RiskScore) ON (n.analysis_id);
CREATE INDEX network_analysis IF NOT EXISTS FOR (n:SuspiciousNetwork) ON (n.analysis_id);
CREATE CONSTRAINT network_key IF NOT EXISTS FOR (n:SuspiciousNetwork) REQUIRE n.network_key IS UNIQUE;
CREATE CONSTRAINT watchlist_entry_key IF NOT EXISTS FOR (n:WatchlistEntry) REQUIRE n.entry_id IS UNIQUE;
CREATE INDEX watchlist_entity IF NOT EXISTS FOR (n:WatchlistEntry) ON (n.entity);
CREATE CONSTRAINT api_key_key IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.key_id IS UNIQUE;
CREATE CONSTRAINT risk_profile_key IF NOT EXISTS FOR (n:RiskProfile) REQUIRE n.profile_id IS UNIQUE;
CREATE CONSTRAINT risk_profile_version_key IF NOT EXISTS FOR (n:RiskProfileVersion) REQUIRE n.key IS UNIQUE;
CREATE INDEX risk_profile_version_profile IF NOT EXISTS FOR (n:RiskProfileVersion) ON (n.profile_id);
CREATE CONSTRAINT queue_entry_key IF NOT EXISTS FOR (n:QueueEntry) REQUIRE n.entry_id IS UNIQUE;
CREATE INDEX queue_entry_trader IF NOT EXISTS FOR (n:QueueEntry) ON (n.trader);
CREATE CONSTRAINT tip_key IF NOT EXISTS FOR (n:Tip) REQUIRE n.tip_id IS UNIQUE;
CREATE INDEX tip_raised_on IF NOT EXISTS FOR (n:Tip) ON (n.raised_on);
CREATE CONSTRAINT tip_outcome_key IF NOT EXISTS FOR (n:TipOutcome) REQUIRE n.outcome_id IS UNIQUE;
CREATE CONSTRAINT audit_entry_key IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.entry_id IS UNIQUE

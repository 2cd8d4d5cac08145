-- Every pass of the export scheduler (Exports/ExportScheduler.cs) reads, across all dispensaries, the runs of the
-- due dates and the in-progress runs whose heartbeat stopped. The table grows by one row per dispensary a day, so
-- these indexes keep both reads from reading the whole table.
CREATE INDEX ix_export_runs_export_date ON export_runs (export_date);
CREATE INDEX ix_export_runs_status_heartbeat_at ON export_runs (status, heartbeat_at);

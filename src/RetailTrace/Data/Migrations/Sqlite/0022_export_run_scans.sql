-- The export scheduler's two reads on every pass (the PostgreSQL migration says why).
CREATE INDEX "ix_export_runs_export_date" ON "export_runs" ("export_date");
CREATE INDEX "ix_export_runs_status_heartbeat_at" ON "export_runs" ("status", "heartbeat_at");

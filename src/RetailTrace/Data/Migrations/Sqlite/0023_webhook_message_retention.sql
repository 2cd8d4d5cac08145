-- Housekeeping deletes ended webhook messages past their retention (the PostgreSQL migration says why).
CREATE INDEX "ix_webhook_messages_status_last_attempt_at" ON "webhook_messages" ("status", "last_attempt_at");

-- Housekeeping: expired access tokens are found by this index (the PostgreSQL migration says why).
CREATE INDEX "ix_access_tokens_expires_at" ON "access_tokens" ("expires_at");

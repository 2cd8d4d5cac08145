-- Housekeeping (Data/Housekeeping.cs) deletes delivered and failed webhook messages Webhooks:Retention after their
-- last attempt; this index finds them without reading every message of every endpoint.
CREATE INDEX ix_webhook_messages_status_last_attempt_at ON webhook_messages (status, last_attempt_at);

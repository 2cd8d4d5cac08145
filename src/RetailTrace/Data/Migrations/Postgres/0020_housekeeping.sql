-- Housekeeping (Data/Housekeeping.cs) deletes access tokens once they have expired; the index finds them without
-- reading the whole table.
CREATE INDEX ix_access_tokens_expires_at ON access_tokens (expires_at);

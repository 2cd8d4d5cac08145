-- A sale's row names its dispensary without a foreign key. The key's check share-locked the
-- dispensary's row (SELECT … FOR KEY SHARE) in every sale, so all the sales of a dispensary in flight
-- held locks on one row, which PostgreSQL records as a MultiXact shared by those transactions; without
-- the check, sales ran about a fifth faster (bench/journal/2026-11-sessions-1-to-11.md, finding 36). The id is always the
-- authenticated caller's, and no API deletes a dispensary (lucid_items.dispensary_id has no key either).
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
ALTER TABLE retail_transactions DROP CONSTRAINT fk_retail_transactions_dispensaries_dispensary_id;

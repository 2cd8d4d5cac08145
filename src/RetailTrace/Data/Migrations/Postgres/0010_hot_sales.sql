-- A sale and an import change no indexed column of lucid_items, so on PostgreSQL both can be HOT
-- updates (new row version on the same page, no index entries) when the page has room
-- (bench/journal/2026-11-sessions-1-to-11.md, finding 15). The sale index was the one indexed column a sale changed: a complete
-- now keeps its units on its own row (item_ids) and a void finds them through the sale's primary key.
-- The fillfactor leaves room on each page for the new versions; it applies to pages written from now
-- on (an existing table is repacked only by VACUUM FULL or CLUSTER).
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
ALTER TABLE retail_transactions ADD COLUMN item_ids uuid[];
UPDATE retail_transactions t SET item_ids = ARRAY(SELECT i.id FROM lucid_items i WHERE i.sale_transaction_id = t.id)
WHERE t.type = 'complete';
DROP INDEX ix_lucid_items_sale_transaction_id;
ALTER TABLE lucid_items SET (fillfactor = 50);

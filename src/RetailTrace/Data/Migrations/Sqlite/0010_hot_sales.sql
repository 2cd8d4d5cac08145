-- A complete keeps its units on its own row (item_ids, a JSON array) and a void finds them through
-- the sale's primary key, so lucid_items needs no index on sale_transaction_id: one index write
-- fewer per unit sold or put back (the PostgreSQL migration says why it matters more there).
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
ALTER TABLE retail_transactions ADD COLUMN item_ids TEXT NULL;
UPDATE retail_transactions SET item_ids = (SELECT json_group_array(i.id) FROM lucid_items i WHERE i.sale_transaction_id = retail_transactions.id)
WHERE type = 'complete';
DROP INDEX ix_lucid_items_sale_transaction_id;

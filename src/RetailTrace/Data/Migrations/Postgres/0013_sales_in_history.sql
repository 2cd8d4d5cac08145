-- A sale keeps its place in its units' history on its own row instead of writing one sold event per
-- unit: five item_events rows and ten index entries were the largest write left in a sale
-- (bench/journal/2026-11-sessions-1-to-11.md, finding 35). Every event of the sale's units with an id up to history_position
-- happened before the sale, every later one after it (a sale draws the position from item_events' id
-- sequence). A unit's sales are the one it is sold in now and those its voided and returned events
-- name by dispensary and order id, so nothing else needs an index. Earlier sales take the id of their
-- last sold event, and those events go.
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
ALTER TABLE retail_transactions ADD COLUMN history_position bigint;
UPDATE retail_transactions AS t SET history_position = s.position
FROM (SELECT dispensary_id, order_id, max(id) AS position FROM item_events WHERE event = 'sold' GROUP BY dispensary_id, order_id) AS s
WHERE t.type = 'complete' AND t.dispensary_id = s.dispensary_id AND t.order_id = s.order_id;
DELETE FROM item_events WHERE event = 'sold';

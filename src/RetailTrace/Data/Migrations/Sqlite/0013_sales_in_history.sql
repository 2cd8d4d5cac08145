-- A sale keeps its place in its units' history on its own row instead of writing one sold event per
-- unit (the PostgreSQL migration says why). A sale takes the last id issued to item_events
-- (sqlite_sequence: AUTOINCREMENT never issues an id twice, even after this DELETE).
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
ALTER TABLE "retail_transactions" ADD COLUMN "history_position" INTEGER NULL;
UPDATE "retail_transactions" AS t SET "history_position" = s.position
FROM (SELECT dispensary_id, order_id, max(id) AS position FROM item_events WHERE event = 'sold' GROUP BY dispensary_id, order_id) AS s
WHERE t.type = 'complete' AND t.dispensary_id = s.dispensary_id AND t.order_id = s.order_id;
DELETE FROM "item_events" WHERE "event" = 'sold';

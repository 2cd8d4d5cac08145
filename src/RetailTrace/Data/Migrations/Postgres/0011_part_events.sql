-- An import records the history of the units of a case part it moved in one row (case_id,
-- packaged_product_id, item_ids) instead of one row per unit: 100 heap rows and 200 index entries per
-- import were most of PostgreSQL's time per import (bench/journal/2026-11-sessions-1-to-11.md, finding 20). Rows written before
-- stay as they are; the trace reads both kinds.
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
ALTER TABLE item_events ALTER COLUMN item_id DROP NOT NULL;
ALTER TABLE item_events ADD COLUMN case_id uuid, ADD COLUMN packaged_product_id uuid, ADD COLUMN item_ids uuid[];
CREATE INDEX ix_item_events_case_id_packaged_product_id ON item_events (case_id, packaged_product_id) WHERE case_id IS NOT NULL;

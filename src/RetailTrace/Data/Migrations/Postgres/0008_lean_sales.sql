-- Sales and imports write as few pages as they can (bench/journal/2026-11-sessions-1-to-11.md).
-- retail_transaction_items repeated what the sold/voided/returned item_events already say (unit,
-- order, dispensary) and nothing read it; the sale index keeps only sold units, so a sale appends to
-- it instead of deleting five NULL entries from random pages. Units of an inventory package are found
-- by its case part, (case_id, packaged_product_id), which is indexed already: the index on
-- inventory_package_id only made every import rewrite 200 index entries.
DROP TABLE retail_transaction_items;
DROP INDEX ix_lucid_items_sale_transaction_id;
CREATE INDEX ix_lucid_items_sale_transaction_id ON lucid_items (sale_transaction_id) WHERE sale_transaction_id IS NOT NULL;
DROP INDEX ix_lucid_items_inventory_package_id;

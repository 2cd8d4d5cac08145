-- Batch lists count their own query: the trigger-kept counts (0007) and the brand list's version (0009) go.
DROP TRIGGER batches_count_insert;
DROP TRIGGER batches_count_delete;
DROP TRIGGER batches_count_update;
DROP TRIGGER batches_order_update;
DROP TRIGGER product_batches_count_insert;
DROP TRIGGER product_batches_count_delete;
DROP TRIGGER product_batches_count_update;
DROP TABLE batch_counts;
DROP TABLE store_batch_counts;

-- The store lists' orders (unfiltered, by product, by status) with deleted last in each entry: a page
-- is read in order and `NOT deleted` is checked on the index entry, so the count reads no row.
-- Documents are kept as they are: they are ProductBatchDocument's stored form already (no nulls, every
-- field fixed at creation).
DROP INDEX ix_product_batches_shop_id_deleted_modified_id;
DROP INDEX ix_product_batches_shop_id_product_id_modified;
DROP INDEX ix_product_batches_shop_id_status_modified;
CREATE INDEX "ix_product_batches_shop_id_modified_id_deleted" ON "product_batches" ("shop_id", "modified", "id", "deleted");
CREATE INDEX "ix_product_batches_shop_id_product_id_modified_id_deleted" ON "product_batches" ("shop_id", "product_id", "modified", "id", "deleted");
CREATE INDEX "ix_product_batches_shop_id_status_modified_id_deleted" ON "product_batches" ("shop_id", "status", "modified", "id", "deleted");

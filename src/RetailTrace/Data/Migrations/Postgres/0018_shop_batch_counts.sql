-- The unfiltered store batch list's total is kept on the shop's row, in the transaction that adds a batch
-- (ProductBatch.AddAsync): counting a shop's batches on every page grows with the list. Filtered lists count
-- their own query.
ALTER TABLE shops ADD COLUMN product_batch_count bigint NOT NULL DEFAULT 0;
UPDATE shops SET product_batch_count = (SELECT count(*) FROM product_batches AS b WHERE b.shop_id = shops.id AND NOT b.deleted);

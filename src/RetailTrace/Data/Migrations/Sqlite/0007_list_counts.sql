-- Per-brand and per-shop batch counts for the unfiltered list totals (DRF count, BLAZE total):
-- kept by row triggers in the writing transaction, so they are exact and read as one row.
CREATE TABLE "batch_counts" (
    "brand_id" TEXT NOT NULL CONSTRAINT "pk_batch_counts" PRIMARY KEY,
    "count" INTEGER NOT NULL
);

CREATE TABLE "store_batch_counts" (
    "shop_id" TEXT NOT NULL CONSTRAINT "pk_store_batch_counts" PRIMARY KEY,
    "count" INTEGER NOT NULL
);

INSERT INTO batch_counts (brand_id, count)
SELECT brand_id, COUNT(*) FROM batches GROUP BY brand_id;

INSERT INTO store_batch_counts (shop_id, count)
SELECT shop_id, COUNT(*) FROM product_batches WHERE deleted = 0 GROUP BY shop_id;

CREATE TRIGGER batches_count_insert AFTER INSERT ON batches
BEGIN
    INSERT INTO batch_counts (brand_id, count) VALUES (NEW.brand_id, 1)
    ON CONFLICT (brand_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER batches_count_delete AFTER DELETE ON batches
BEGIN
    UPDATE batch_counts SET count = count - 1 WHERE brand_id = OLD.brand_id;
END;

CREATE TRIGGER batches_count_update AFTER UPDATE OF brand_id ON batches
WHEN OLD.brand_id IS NOT NEW.brand_id
BEGIN
    UPDATE batch_counts SET count = count - 1 WHERE brand_id = OLD.brand_id;
    INSERT INTO batch_counts (brand_id, count) VALUES (NEW.brand_id, 1)
    ON CONFLICT (brand_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER product_batches_count_insert AFTER INSERT ON product_batches
WHEN NEW.deleted = 0
BEGIN
    INSERT INTO store_batch_counts (shop_id, count) VALUES (NEW.shop_id, 1)
    ON CONFLICT (shop_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER product_batches_count_delete AFTER DELETE ON product_batches
WHEN OLD.deleted = 0
BEGIN
    UPDATE store_batch_counts SET count = count - 1 WHERE shop_id = OLD.shop_id;
END;

CREATE TRIGGER product_batches_count_update AFTER UPDATE OF shop_id, deleted ON product_batches
WHEN OLD.shop_id IS NOT NEW.shop_id OR OLD.deleted IS NOT NEW.deleted
BEGIN
    UPDATE store_batch_counts SET count = count - 1 WHERE shop_id = OLD.shop_id AND OLD.deleted = 0;
    INSERT INTO store_batch_counts (shop_id, count) SELECT NEW.shop_id, 1 WHERE NEW.deleted = 0
    ON CONFLICT (shop_id) DO UPDATE SET count = count + 1;
END;

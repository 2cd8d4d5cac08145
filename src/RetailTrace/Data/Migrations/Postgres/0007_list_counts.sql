-- Per-brand and per-shop batch counts for the unfiltered list totals (DRF count, BLAZE total):
-- kept by row triggers in the writing transaction (the count row is locked until it commits),
-- so they are exact under concurrent writers and read as one row.
CREATE TABLE batch_counts (
    brand_id uuid NOT NULL,
    count bigint NOT NULL,
    CONSTRAINT pk_batch_counts PRIMARY KEY (brand_id)
);

CREATE TABLE store_batch_counts (
    shop_id character varying(24) NOT NULL,
    count bigint NOT NULL,
    CONSTRAINT pk_store_batch_counts PRIMARY KEY (shop_id)
);

-- No batch may change while the counts are taken.
LOCK TABLE batches, product_batches IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO batch_counts (brand_id, count)
SELECT brand_id, COUNT(*) FROM batches GROUP BY brand_id;

INSERT INTO store_batch_counts (shop_id, count)
SELECT shop_id, COUNT(*) FROM product_batches WHERE NOT deleted GROUP BY shop_id;

CREATE FUNCTION batches_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE batch_counts SET count = count - 1 WHERE brand_id = OLD.brand_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO batch_counts (brand_id, count) VALUES (NEW.brand_id, 1)
        ON CONFLICT (brand_id) DO UPDATE SET count = batch_counts.count + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER batches_count_insert AFTER INSERT ON batches
FOR EACH ROW EXECUTE FUNCTION batches_count();

CREATE TRIGGER batches_count_delete AFTER DELETE ON batches
FOR EACH ROW EXECUTE FUNCTION batches_count();

CREATE TRIGGER batches_count_update AFTER UPDATE OF brand_id ON batches
FOR EACH ROW WHEN (OLD.brand_id IS DISTINCT FROM NEW.brand_id) EXECUTE FUNCTION batches_count();

CREATE FUNCTION product_batches_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND NOT OLD.deleted THEN
        UPDATE store_batch_counts SET count = count - 1 WHERE shop_id = OLD.shop_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.deleted THEN
        INSERT INTO store_batch_counts (shop_id, count) VALUES (NEW.shop_id, 1)
        ON CONFLICT (shop_id) DO UPDATE SET count = store_batch_counts.count + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER product_batches_count_insert AFTER INSERT ON product_batches
FOR EACH ROW EXECUTE FUNCTION product_batches_count();

CREATE TRIGGER product_batches_count_delete AFTER DELETE ON product_batches
FOR EACH ROW EXECUTE FUNCTION product_batches_count();

CREATE TRIGGER product_batches_count_update AFTER UPDATE OF shop_id, deleted ON product_batches
FOR EACH ROW WHEN (OLD.shop_id IS DISTINCT FROM NEW.shop_id OR OLD.deleted IS DISTINCT FROM NEW.deleted)
EXECUTE FUNCTION product_batches_count();

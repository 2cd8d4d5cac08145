-- A version per brand's batch list, bumped in the writing transaction whenever the list's order keys
-- change (a batch inserted, deleted, moved to another brand, or its updated_on changed). Page
-- boundaries remembered under one version stay exact until it moves (Brand/BatchesApi.cs).
ALTER TABLE "batch_counts" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER batches_count_insert;
DROP TRIGGER batches_count_delete;
DROP TRIGGER batches_count_update;

CREATE TRIGGER batches_count_insert AFTER INSERT ON batches
BEGIN
    INSERT INTO batch_counts (brand_id, count) VALUES (NEW.brand_id, 1)
    ON CONFLICT (brand_id) DO UPDATE SET count = count + 1, version = version + 1;
END;

CREATE TRIGGER batches_count_delete AFTER DELETE ON batches
BEGIN
    UPDATE batch_counts SET count = count - 1, version = version + 1 WHERE brand_id = OLD.brand_id;
END;

CREATE TRIGGER batches_count_update AFTER UPDATE OF brand_id ON batches
WHEN OLD.brand_id IS NOT NEW.brand_id
BEGIN
    UPDATE batch_counts SET count = count - 1, version = version + 1 WHERE brand_id = OLD.brand_id;
    INSERT INTO batch_counts (brand_id, count) VALUES (NEW.brand_id, 1)
    ON CONFLICT (brand_id) DO UPDATE SET count = count + 1, version = version + 1;
END;

CREATE TRIGGER batches_order_update AFTER UPDATE OF updated_on ON batches
WHEN OLD.updated_on IS NOT NEW.updated_on AND OLD.brand_id IS NEW.brand_id
BEGIN
    UPDATE batch_counts SET version = version + 1 WHERE brand_id = NEW.brand_id;
END;

-- A version per brand's batch list, bumped in the writing transaction whenever the list's order keys
-- change (a batch inserted, deleted, moved to another brand, or its updated_on changed). Page
-- boundaries remembered under one version stay exact until it moves (Brand/BatchesApi.cs).
ALTER TABLE batch_counts ADD COLUMN version bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION batches_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE batch_counts SET count = count - 1, version = version + 1 WHERE brand_id = OLD.brand_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO batch_counts (brand_id, count) VALUES (NEW.brand_id, 1)
        ON CONFLICT (brand_id) DO UPDATE SET count = batch_counts.count + 1, version = batch_counts.version + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION batches_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE batch_counts SET version = version + 1 WHERE brand_id = NEW.brand_id;
    RETURN NULL;
END $$;

CREATE TRIGGER batches_order_update AFTER UPDATE OF updated_on ON batches
FOR EACH ROW WHEN (OLD.updated_on IS DISTINCT FROM NEW.updated_on AND OLD.brand_id IS NOT DISTINCT FROM NEW.brand_id)
EXECUTE FUNCTION batches_order();

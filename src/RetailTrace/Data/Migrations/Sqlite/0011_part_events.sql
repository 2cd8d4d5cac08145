-- An import records the history of the units of a case part it moved in one row (case_id,
-- packaged_product_id, item_ids as a JSON array) instead of one row per unit (the PostgreSQL migration
-- says why). SQLite cannot drop a NOT NULL in place, so the table is rebuilt with the same ids.
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
CREATE TABLE "item_events_0011" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_item_events" PRIMARY KEY AUTOINCREMENT,
    "item_id" TEXT NULL,
    "event" TEXT NOT NULL,
    "at" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "order_id" TEXT NULL,
    "package_uid" TEXT NULL,
    "case_id" TEXT NULL,
    "packaged_product_id" TEXT NULL,
    "item_ids" TEXT NULL
);
INSERT INTO "item_events_0011" ("id", "item_id", "event", "at", "dispensary_id", "order_id", "package_uid")
SELECT "id", "item_id", "event", "at", "dispensary_id", "order_id", "package_uid" FROM "item_events";
DROP TABLE "item_events";
ALTER TABLE "item_events_0011" RENAME TO "item_events";
CREATE INDEX "ix_item_events_item_id_id" ON "item_events" ("item_id", "id");
CREATE INDEX "ix_item_events_case_id_packaged_product_id" ON "item_events" ("case_id", "packaged_product_id") WHERE case_id IS NOT NULL;

-- A sale's row names its dispensary without a foreign key (the PostgreSQL migration says why; one
-- model serves both providers). SQLite cannot drop a constraint in place, so the table is rebuilt with
-- the same ids; AUTOINCREMENT goes on from the highest.
-- Superseded by 0015_item_event_stream: one model on both providers, whose history is one event stream.
CREATE TABLE "retail_transactions_0014" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_retail_transactions" PRIMARY KEY AUTOINCREMENT,
    "dispensary_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "performed_at" TEXT NOT NULL,
    "customer_id" TEXT NULL,
    "budtender_id" TEXT NULL,
    "recorded_at" TEXT NOT NULL,
    "item_ids" TEXT NULL,
    "history_position" INTEGER NULL
);
INSERT INTO "retail_transactions_0014" ("id", "dispensary_id", "type", "order_id", "performed_at", "customer_id", "budtender_id", "recorded_at", "item_ids", "history_position")
SELECT "id", "dispensary_id", "type", "order_id", "performed_at", "customer_id", "budtender_id", "recorded_at", "item_ids", "history_position" FROM "retail_transactions";
DROP TABLE "retail_transactions";
ALTER TABLE "retail_transactions_0014" RENAME TO "retail_transactions";
CREATE UNIQUE INDEX "ix_retail_transactions_dispensary_id_order_id_type" ON "retail_transactions" ("dispensary_id", "order_id", "type");

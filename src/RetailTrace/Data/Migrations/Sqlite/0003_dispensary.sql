-- Dispensary API v1.2: retail transactions and the units they moved.

CREATE TABLE "retail_transactions" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_retail_transactions" PRIMARY KEY AUTOINCREMENT,
    "dispensary_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "performed_at" TEXT NOT NULL,
    "customer_id" TEXT NULL,
    "budtender_id" TEXT NULL,
    "recorded_at" TEXT NOT NULL,
    CONSTRAINT "fk_retail_transactions_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id") ON DELETE CASCADE
);

CREATE TABLE "retail_transaction_items" (
    "transaction_id" INTEGER NOT NULL,
    "item_id" TEXT NOT NULL,
    CONSTRAINT "pk_retail_transaction_items" PRIMARY KEY ("transaction_id", "item_id"),
    CONSTRAINT "fk_retail_transaction_items_lucid_items_item_id" FOREIGN KEY ("item_id") REFERENCES "lucid_items" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_retail_transaction_items_retail_transactions_transaction_id" FOREIGN KEY ("transaction_id") REFERENCES "retail_transactions" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_lucid_items_sale_transaction_id" ON "lucid_items" ("sale_transaction_id");

CREATE INDEX "ix_retail_transaction_items_item_id" ON "retail_transaction_items" ("item_id");

CREATE UNIQUE INDEX "ix_retail_transactions_dispensary_id_order_id_type" ON "retail_transactions" ("dispensary_id", "order_id", "type");

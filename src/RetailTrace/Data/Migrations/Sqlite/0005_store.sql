-- Store API (BLAZE partner): products, product batches, batch quantities, inventory transfers.

CREATE TABLE "store_products" (
    "id" TEXT NOT NULL CONSTRAINT "pk_store_products" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "shop_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sku" TEXT NULL,
    "created" INTEGER NOT NULL,
    "modified" INTEGER NOT NULL,
    CONSTRAINT "fk_store_products_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_store_products_shops_shop_id" FOREIGN KEY ("shop_id") REFERENCES "shops" ("id") ON DELETE CASCADE
);

CREATE TABLE "product_batches" (
    "id" TEXT NOT NULL CONSTRAINT "pk_product_batches" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "shop_id" TEXT NOT NULL,
    "product_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "created" INTEGER NOT NULL,
    "modified" INTEGER NOT NULL,
    "purchased_date" INTEGER NULL,
    "sku" TEXT NULL,
    "product_name" TEXT NULL,
    "track_package_label" TEXT NULL,
    "metrc_tag_id" TEXT NULL,
    "lot_id" TEXT NULL,
    "deleted" INTEGER NOT NULL,
    "archived" INTEGER NOT NULL,
    "unsellable" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "source_batch_id" TEXT NULL,
    "document" TEXT NOT NULL,
    CONSTRAINT "fk_product_batches_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_product_batches_shops_shop_id" FOREIGN KEY ("shop_id") REFERENCES "shops" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_product_batches_store_products_product_id" FOREIGN KEY ("product_id") REFERENCES "store_products" ("id") ON DELETE CASCADE
);

CREATE TABLE "batch_quantities" (
    "id" TEXT NOT NULL CONSTRAINT "pk_batch_quantities" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "shop_id" TEXT NOT NULL,
    "product_id" TEXT NOT NULL,
    "inventory_id" TEXT NOT NULL,
    "batch_id" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "committed" INTEGER NOT NULL,
    "created" INTEGER NOT NULL,
    "modified" INTEGER NOT NULL,
    CONSTRAINT "ck_batch_quantities_non_negative" CHECK (quantity >= 0 AND committed >= 0 AND committed <= quantity),
    CONSTRAINT "fk_batch_quantities_inventories_inventory_id" FOREIGN KEY ("inventory_id") REFERENCES "inventories" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_batch_quantities_product_batches_batch_id" FOREIGN KEY ("batch_id") REFERENCES "product_batches" ("id") ON DELETE CASCADE
);

CREATE TABLE "inventory_transfers" (
    "id" TEXT NOT NULL CONSTRAINT "pk_inventory_transfers" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "shop_id" TEXT NOT NULL,
    "created" INTEGER NOT NULL,
    "modified" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "create_by_employee_id" TEXT NOT NULL,
    "accept_by_employee_id" TEXT NULL,
    "decline_by_employee_id" TEXT NULL,
    "from_shop_id" TEXT NOT NULL,
    "to_shop_id" TEXT NOT NULL,
    "from_inventory_id" TEXT NOT NULL,
    "to_inventory_id" TEXT NOT NULL,
    "prev_from_inventory_id" TEXT NULL,
    "declined_date" INTEGER NULL,
    "accepted_date" INTEGER NULL,
    "transfer_no" INTEGER NOT NULL,
    "complete_transfer" INTEGER NOT NULL,
    "transfer_by_batch" INTEGER NOT NULL,
    "processed_time" INTEGER NULL,
    "processing" INTEGER NOT NULL,
    "driver_id" TEXT NULL,
    "transaction_id" TEXT NULL,
    "order_no" TEXT NULL,
    "active_top_user_id" TEXT NULL,
    CONSTRAINT "fk_inventory_transfers_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE
);

CREATE TABLE "inventory_transfer_logs" (
    "id" TEXT NOT NULL CONSTRAINT "pk_inventory_transfer_logs" PRIMARY KEY,
    "transfer_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "product_id" TEXT NOT NULL,
    "to_product_id" TEXT NULL,
    "from_batch_id" TEXT NOT NULL,
    "to_batch_id" TEXT NULL,
    "transfer_amount" INTEGER NOT NULL,
    "orig_from_qty" INTEGER NULL,
    "final_from_qty" INTEGER NULL,
    "orig_to_qty" INTEGER NULL,
    "final_inventory" INTEGER NULL,
    "failed" INTEGER NOT NULL,
    CONSTRAINT "fk_inventory_transfer_logs_inventory_transfers_transfer_id" FOREIGN KEY ("transfer_id") REFERENCES "inventory_transfers" ("id") ON DELETE CASCADE
);

CREATE TABLE "transfer_counters" (
    "company_id" TEXT NOT NULL CONSTRAINT "pk_transfer_counters" PRIMARY KEY,
    "last_no" INTEGER NOT NULL
);

CREATE UNIQUE INDEX "ix_batch_quantities_batch_id_inventory_id" ON "batch_quantities" ("batch_id", "inventory_id");

CREATE INDEX "ix_batch_quantities_inventory_id_modified_id" ON "batch_quantities" ("inventory_id", "modified", "id");

CREATE INDEX "ix_batch_quantities_shop_id_product_id" ON "batch_quantities" ("shop_id", "product_id");

CREATE INDEX "ix_inventory_transfer_logs_transfer_id_position" ON "inventory_transfer_logs" ("transfer_id", "position");

CREATE UNIQUE INDEX "ix_inventory_transfers_company_id_transfer_no" ON "inventory_transfers" ("company_id", "transfer_no");

CREATE INDEX "ix_inventory_transfers_to_process" ON "inventory_transfers" ("processing", "complete_transfer", "accepted_date");

CREATE INDEX "ix_product_batches_company_id" ON "product_batches" ("company_id");

CREATE INDEX "ix_product_batches_product_id" ON "product_batches" ("product_id");

CREATE INDEX "ix_product_batches_shop_id_deleted_modified_id" ON "product_batches" ("shop_id", "deleted", "modified", "id");

CREATE INDEX "ix_product_batches_shop_id_product_id_modified" ON "product_batches" ("shop_id", "product_id", "modified");

CREATE INDEX "ix_product_batches_shop_id_purchased_date" ON "product_batches" ("shop_id", "purchased_date");

CREATE UNIQUE INDEX "ix_product_batches_shop_id_source_batch_id" ON "product_batches" ("shop_id", "source_batch_id");

CREATE INDEX "ix_product_batches_shop_id_status_modified" ON "product_batches" ("shop_id", "status", "modified");

CREATE INDEX "ix_store_products_company_id" ON "store_products" ("company_id");

CREATE INDEX "ix_store_products_shop_id" ON "store_products" ("shop_id");

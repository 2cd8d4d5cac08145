CREATE TABLE "brands" (
    "id" TEXT NOT NULL CONSTRAINT "pk_brands" PRIMARY KEY,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL
);


CREATE TABLE "companies" (
    "id" TEXT NOT NULL CONSTRAINT "pk_companies" PRIMARY KEY,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL
);


CREATE TABLE "dispensaries" (
    "id" TEXT NOT NULL CONSTRAINT "pk_dispensaries" PRIMARY KEY,
    "name" TEXT NOT NULL,
    "package_uid_export_enabled" INTEGER NOT NULL,
    "export_time" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "created_at" TEXT NOT NULL
);


CREATE TABLE "item_events" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_item_events" PRIMARY KEY AUTOINCREMENT,
    "item_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "at" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "order_id" TEXT NULL,
    "package_uid" TEXT NULL
);


CREATE TABLE "partners" (
    "id" TEXT NOT NULL CONSTRAINT "pk_partners" PRIMARY KEY,
    "name" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "revoked" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL
);


CREATE TABLE "batches" (
    "id" TEXT NOT NULL CONSTRAINT "pk_batches" PRIMARY KEY,
    "brand_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "regulatory_id" TEXT NOT NULL,
    "produced_on" TEXT NULL,
    "harvested_on" TEXT NULL,
    "extraction_method" TEXT NOT NULL,
    "testing_laboratories" TEXT NOT NULL,
    "digital_coa_ids" TEXT NOT NULL,
    "updated_on" TEXT NOT NULL,
    CONSTRAINT "fk_batches_brands_brand_id" FOREIGN KEY ("brand_id") REFERENCES "brands" ("id") ON DELETE CASCADE
);


CREATE TABLE "digital_coas" (
    "id" TEXT NOT NULL CONSTRAINT "pk_digital_coas" PRIMARY KEY,
    "brand_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "lab_name" TEXT NOT NULL,
    "tested_on" TEXT NULL,
    "document_url" TEXT NOT NULL,
    "updated_on" TEXT NOT NULL,
    CONSTRAINT "fk_digital_coas_brands_brand_id" FOREIGN KEY ("brand_id") REFERENCES "brands" ("id") ON DELETE CASCADE
);


CREATE TABLE "products" (
    "id" TEXT NOT NULL CONSTRAINT "pk_products" PRIMARY KEY,
    "brand_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "published_on" TEXT NULL,
    "available_on" TEXT NULL,
    "discontinued_on" TEXT NULL,
    "product_type" TEXT NOT NULL,
    "usage" TEXT NOT NULL,
    "variety" TEXT NOT NULL,
    "strain" TEXT NOT NULL,
    "product_line" TEXT NOT NULL,
    "package_size" TEXT NOT NULL,
    "upc" TEXT NOT NULL,
    "servings" TEXT NOT NULL,
    "serving_size" TEXT NOT NULL,
    "total_thc" TEXT NOT NULL,
    "total_cbd" TEXT NOT NULL,
    "thc_cbd_ratio" TEXT NOT NULL,
    "tests_description" TEXT NOT NULL,
    "about_ingredients" TEXT NOT NULL,
    "special_diet" TEXT NOT NULL,
    "allergen" TEXT NOT NULL,
    "testing_methodology" TEXT NOT NULL,
    "usage_recommendation" TEXT NOT NULL,
    "ingredients" TEXT NOT NULL,
    "images" TEXT NOT NULL,
    "barcode" TEXT NOT NULL,
    "updated_on" TEXT NOT NULL,
    CONSTRAINT "fk_products_brands_brand_id" FOREIGN KEY ("brand_id") REFERENCES "brands" ("id") ON DELETE CASCADE
);


CREATE TABLE "employees" (
    "id" TEXT NOT NULL CONSTRAINT "pk_employees" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_employees_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE
);


CREATE TABLE "shops" (
    "id" TEXT NOT NULL CONSTRAINT "pk_shops" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_shops_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE
);


CREATE TABLE "cases" (
    "id" TEXT NOT NULL CONSTRAINT "pk_cases" PRIMARY KEY,
    "brand_id" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_cases_brands_brand_id" FOREIGN KEY ("brand_id") REFERENCES "brands" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_cases_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id")
);


CREATE TABLE "catalog_products" (
    "id" TEXT NOT NULL CONSTRAINT "pk_catalog_products" PRIMARY KEY,
    "dispensary_id" TEXT NOT NULL,
    "pos_product_id" TEXT NOT NULL,
    "sku" TEXT NULL,
    "packaged_product_id" TEXT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_catalog_products_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id") ON DELETE CASCADE
);


CREATE TABLE "oauth_clients" (
    "id" TEXT NOT NULL CONSTRAINT "pk_oauth_clients" PRIMARY KEY,
    "client_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" INTEGER NOT NULL,
    "dispensary_id" TEXT NULL,
    "default_brand_id" TEXT NULL,
    "revoked" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_oauth_clients_brands_default_brand_id" FOREIGN KEY ("default_brand_id") REFERENCES "brands" ("id"),
    CONSTRAINT "fk_oauth_clients_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id")
);


CREATE TABLE "pos_package_uids" (
    "id" TEXT NOT NULL CONSTRAINT "pk_pos_package_uids" PRIMARY KEY,
    "dispensary_id" TEXT NOT NULL,
    "package_uid" TEXT NOT NULL,
    "pos_inventory_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_pos_package_uids_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id") ON DELETE CASCADE
);


CREATE TABLE "packaged_products" (
    "id" TEXT NOT NULL CONSTRAINT "pk_packaged_products" PRIMARY KEY,
    "batch_id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    "product_id" TEXT NOT NULL,
    "regulatory_id" TEXT NULL,
    "packaged_on" TEXT NULL,
    "digital_coa_ids" TEXT NOT NULL,
    "updated_on" TEXT NOT NULL,
    CONSTRAINT "fk_packaged_products_batches_batch_id" FOREIGN KEY ("batch_id") REFERENCES "batches" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_packaged_products_products_product_id" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON DELETE CASCADE
);


CREATE TABLE "developer_keys" (
    "id" TEXT NOT NULL CONSTRAINT "pk_developer_keys" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "shop_id" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "revoked" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_developer_keys_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_developer_keys_shops_shop_id" FOREIGN KEY ("shop_id") REFERENCES "shops" ("id") ON DELETE CASCADE
);


CREATE TABLE "inventories" (
    "id" TEXT NOT NULL CONSTRAINT "pk_inventories" PRIMARY KEY,
    "company_id" TEXT NOT NULL,
    "shop_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_inventories_companies_company_id" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_inventories_shops_shop_id" FOREIGN KEY ("shop_id") REFERENCES "shops" ("id") ON DELETE CASCADE
);


CREATE TABLE "access_tokens" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_access_tokens" PRIMARY KEY AUTOINCREMENT,
    "token_hash" TEXT NOT NULL,
    "oauth_client_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "expires_at" TEXT NOT NULL,
    "revoked" INTEGER NOT NULL,
    CONSTRAINT "fk_access_tokens_oauth_clients_oauth_client_id" FOREIGN KEY ("oauth_client_id") REFERENCES "oauth_clients" ("id") ON DELETE CASCADE
);


CREATE TABLE "oauth_client_brands" (
    "oauth_client_id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    CONSTRAINT "pk_oauth_client_brands" PRIMARY KEY ("oauth_client_id", "brand_id"),
    CONSTRAINT "fk_oauth_client_brands_brands_brand_id" FOREIGN KEY ("brand_id") REFERENCES "brands" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_oauth_client_brands_oauth_clients_oauth_client_id" FOREIGN KEY ("oauth_client_id") REFERENCES "oauth_clients" ("id") ON DELETE CASCADE
);


CREATE TABLE "inventory_packages" (
    "id" TEXT NOT NULL CONSTRAINT "pk_inventory_packages" PRIMARY KEY,
    "dispensary_id" TEXT NOT NULL,
    "pos_package_uid_id" TEXT NOT NULL,
    "case_id" TEXT NOT NULL,
    "packaged_product_id" TEXT NOT NULL,
    "catalog_product_id" TEXT NOT NULL,
    "imported_at" TEXT NOT NULL,
    CONSTRAINT "fk_inventory_packages_cases_case_id" FOREIGN KEY ("case_id") REFERENCES "cases" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_inventory_packages_catalog_products_catalog_product_id" FOREIGN KEY ("catalog_product_id") REFERENCES "catalog_products" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_inventory_packages_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_inventory_packages_packaged_products_packaged_product_id" FOREIGN KEY ("packaged_product_id") REFERENCES "packaged_products" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_inventory_packages_pos_package_uids_pos_package_uid_id" FOREIGN KEY ("pos_package_uid_id") REFERENCES "pos_package_uids" ("id") ON DELETE CASCADE
);


CREATE TABLE "lucid_items" (
    "id" TEXT NOT NULL CONSTRAINT "pk_lucid_items" PRIMARY KEY,
    "case_id" TEXT NOT NULL,
    "packaged_product_id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "inventory_package_id" TEXT NULL,
    "sale_transaction_id" INTEGER NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_lucid_items_cases_case_id" FOREIGN KEY ("case_id") REFERENCES "cases" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_lucid_items_packaged_products_packaged_product_id" FOREIGN KEY ("packaged_product_id") REFERENCES "packaged_products" ("id") ON DELETE CASCADE
);


CREATE INDEX "ix_access_tokens_oauth_client_id" ON "access_tokens" ("oauth_client_id");


CREATE UNIQUE INDEX "ix_access_tokens_token_hash" ON "access_tokens" ("token_hash");


CREATE INDEX "ix_batches_brand_id_updated_on_id" ON "batches" ("brand_id", "updated_on", "id");


CREATE INDEX "ix_batches_updated_on_id" ON "batches" ("updated_on", "id");


CREATE INDEX "ix_cases_brand_id" ON "cases" ("brand_id");


CREATE INDEX "ix_cases_dispensary_id" ON "cases" ("dispensary_id");


CREATE UNIQUE INDEX "ix_catalog_products_dispensary_id_pos_product_id" ON "catalog_products" ("dispensary_id", "pos_product_id");


CREATE INDEX "ix_developer_keys_company_id" ON "developer_keys" ("company_id");


CREATE UNIQUE INDEX "ix_developer_keys_key_hash" ON "developer_keys" ("key_hash");


CREATE INDEX "ix_developer_keys_shop_id" ON "developer_keys" ("shop_id");


CREATE INDEX "ix_digital_coas_brand_id_updated_on_id" ON "digital_coas" ("brand_id", "updated_on", "id");


CREATE INDEX "ix_dispensaries_package_uid_export_enabled" ON "dispensaries" ("package_uid_export_enabled");


CREATE INDEX "ix_employees_company_id" ON "employees" ("company_id");


CREATE INDEX "ix_inventories_company_id" ON "inventories" ("company_id");


CREATE INDEX "ix_inventories_shop_id" ON "inventories" ("shop_id");


CREATE UNIQUE INDEX "ix_inventory_packages_case_id_packaged_product_id" ON "inventory_packages" ("case_id", "packaged_product_id");


CREATE INDEX "ix_inventory_packages_catalog_product_id" ON "inventory_packages" ("catalog_product_id");


CREATE INDEX "ix_inventory_packages_dispensary_id_pos_package_uid_id" ON "inventory_packages" ("dispensary_id", "pos_package_uid_id");


CREATE INDEX "ix_inventory_packages_packaged_product_id" ON "inventory_packages" ("packaged_product_id");


CREATE INDEX "ix_inventory_packages_pos_package_uid_id" ON "inventory_packages" ("pos_package_uid_id");


CREATE INDEX "ix_item_events_item_id_id" ON "item_events" ("item_id", "id");


CREATE INDEX "ix_lucid_items_brand_id" ON "lucid_items" ("brand_id");


CREATE INDEX "ix_lucid_items_case_id_packaged_product_id" ON "lucid_items" ("case_id", "packaged_product_id");


CREATE INDEX "ix_lucid_items_inventory_package_id" ON "lucid_items" ("inventory_package_id");


CREATE INDEX "ix_lucid_items_packaged_product_id" ON "lucid_items" ("packaged_product_id");


CREATE INDEX "ix_oauth_client_brands_brand_id" ON "oauth_client_brands" ("brand_id");


CREATE UNIQUE INDEX "ix_oauth_clients_client_id" ON "oauth_clients" ("client_id");


CREATE INDEX "ix_oauth_clients_default_brand_id" ON "oauth_clients" ("default_brand_id");


CREATE INDEX "ix_oauth_clients_dispensary_id" ON "oauth_clients" ("dispensary_id");


CREATE INDEX "ix_packaged_products_batch_id" ON "packaged_products" ("batch_id");


CREATE INDEX "ix_packaged_products_brand_id" ON "packaged_products" ("brand_id");


CREATE INDEX "ix_packaged_products_product_id" ON "packaged_products" ("product_id");


CREATE UNIQUE INDEX "ix_partners_key_hash" ON "partners" ("key_hash");


CREATE UNIQUE INDEX "ix_pos_package_uids_dispensary_id_package_uid" ON "pos_package_uids" ("dispensary_id", "package_uid");


CREATE INDEX "ix_products_brand_id_updated_on_id" ON "products" ("brand_id", "updated_on", "id");


CREATE INDEX "ix_shops_company_id" ON "shops" ("company_id");




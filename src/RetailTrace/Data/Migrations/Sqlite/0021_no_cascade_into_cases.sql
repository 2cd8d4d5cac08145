-- Foreign keys into cases and inventory_packages become RESTRICT (the PostgreSQL migration says why). SQLite cannot
-- change a foreign key in place, so each table is rebuilt with the same rows and indexes; the migrator runs SQLite
-- migrations with foreign key enforcement off and checks every key before commit (SQLite's procedure for schema
-- changes), so dropping the old tables neither cascades into inventory_packages nor is refused by lucid_items.
CREATE TABLE "cases_0021" (
    "id" TEXT NOT NULL CONSTRAINT "pk_cases" PRIMARY KEY,
    "brand_id" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_cases_brands_brand_id" FOREIGN KEY ("brand_id") REFERENCES "brands" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_cases_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id")
);
INSERT INTO "cases_0021" ("id", "brand_id", "dispensary_id", "created_at")
SELECT "id", "brand_id", "dispensary_id", "created_at" FROM "cases";
DROP TABLE "cases";
ALTER TABLE "cases_0021" RENAME TO "cases";
CREATE INDEX "ix_cases_brand_id" ON "cases" ("brand_id");
CREATE INDEX "ix_cases_dispensary_id" ON "cases" ("dispensary_id");

CREATE TABLE "inventory_packages_0021" (
    "id" TEXT NOT NULL CONSTRAINT "pk_inventory_packages" PRIMARY KEY,
    "dispensary_id" TEXT NOT NULL,
    "pos_package_uid_id" TEXT NOT NULL,
    "case_id" TEXT NOT NULL,
    "packaged_product_id" TEXT NOT NULL,
    "catalog_product_id" TEXT NOT NULL,
    "imported_at" TEXT NOT NULL,
    CONSTRAINT "fk_inventory_packages_cases_case_id" FOREIGN KEY ("case_id") REFERENCES "cases" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_inventory_packages_catalog_products_catalog_product_id" FOREIGN KEY ("catalog_product_id") REFERENCES "catalog_products" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_inventory_packages_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_inventory_packages_packaged_products_packaged_product_id" FOREIGN KEY ("packaged_product_id") REFERENCES "packaged_products" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_inventory_packages_pos_package_uids_pos_package_uid_id" FOREIGN KEY ("pos_package_uid_id") REFERENCES "pos_package_uids" ("id") ON DELETE RESTRICT
);
INSERT INTO "inventory_packages_0021" ("id", "dispensary_id", "pos_package_uid_id", "case_id", "packaged_product_id", "catalog_product_id", "imported_at")
SELECT "id", "dispensary_id", "pos_package_uid_id", "case_id", "packaged_product_id", "catalog_product_id", "imported_at" FROM "inventory_packages";
DROP TABLE "inventory_packages";
ALTER TABLE "inventory_packages_0021" RENAME TO "inventory_packages";
CREATE UNIQUE INDEX "ix_inventory_packages_case_id_packaged_product_id" ON "inventory_packages" ("case_id", "packaged_product_id");
CREATE INDEX "ix_inventory_packages_catalog_product_id" ON "inventory_packages" ("catalog_product_id");
CREATE INDEX "ix_inventory_packages_dispensary_id_pos_package_uid_id" ON "inventory_packages" ("dispensary_id", "pos_package_uid_id");
CREATE INDEX "ix_inventory_packages_packaged_product_id" ON "inventory_packages" ("packaged_product_id");
CREATE INDEX "ix_inventory_packages_pos_package_uid_id" ON "inventory_packages" ("pos_package_uid_id");

-- No foreign key deletes a case or an inventory package with the row it references: a case names its LucidIDs'
-- brand, and an inventory package is where its units are (or were sold from). Deleting a brand, dispensary, case,
-- packaged product, catalog product or POS package UID they reference is refused (RESTRICT), as for lucid_items.
ALTER TABLE cases
    DROP CONSTRAINT fk_cases_brands_brand_id,
    ADD CONSTRAINT fk_cases_brands_brand_id FOREIGN KEY (brand_id) REFERENCES brands (id) ON DELETE RESTRICT;
ALTER TABLE inventory_packages
    DROP CONSTRAINT fk_inventory_packages_cases_case_id,
    DROP CONSTRAINT fk_inventory_packages_catalog_products_catalog_product_id,
    DROP CONSTRAINT fk_inventory_packages_dispensaries_dispensary_id,
    DROP CONSTRAINT fk_inventory_packages_packaged_products_packaged_product_id,
    DROP CONSTRAINT fk_inventory_packages_pos_package_uids_pos_package_uid_id,
    ADD CONSTRAINT fk_inventory_packages_cases_case_id FOREIGN KEY (case_id) REFERENCES cases (id) ON DELETE RESTRICT,
    ADD CONSTRAINT fk_inventory_packages_catalog_products_catalog_product_id FOREIGN KEY (catalog_product_id) REFERENCES catalog_products (id) ON DELETE RESTRICT,
    ADD CONSTRAINT fk_inventory_packages_dispensaries_dispensary_id FOREIGN KEY (dispensary_id) REFERENCES dispensaries (id) ON DELETE RESTRICT,
    ADD CONSTRAINT fk_inventory_packages_packaged_products_packaged_product_id FOREIGN KEY (packaged_product_id) REFERENCES packaged_products (id) ON DELETE RESTRICT,
    ADD CONSTRAINT fk_inventory_packages_pos_package_uids_pos_package_uid_id FOREIGN KEY (pos_package_uid_id) REFERENCES pos_package_uids (id) ON DELETE RESTRICT;

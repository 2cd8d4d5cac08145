-- Store API (BLAZE partner): products, product batches, batch quantities, inventory transfers.

CREATE TABLE store_products (
    id character varying(24) NOT NULL,
    company_id character varying(24) NOT NULL,
    shop_id character varying(24) NOT NULL,
    name character varying(255) NOT NULL,
    sku character varying(255),
    created bigint NOT NULL,
    modified bigint NOT NULL,
    CONSTRAINT pk_store_products PRIMARY KEY (id),
    CONSTRAINT fk_store_products_companies_company_id FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_store_products_shops_shop_id FOREIGN KEY (shop_id) REFERENCES shops (id) ON DELETE CASCADE
);

CREATE TABLE product_batches (
    id character varying(24) NOT NULL,
    company_id character varying(24) NOT NULL,
    shop_id character varying(24) NOT NULL,
    product_id character varying(24) NOT NULL,
    status character varying(32) NOT NULL,
    created bigint NOT NULL,
    modified bigint NOT NULL,
    purchased_date bigint,
    sku character varying(255),
    product_name character varying(255),
    track_package_label character varying(255),
    metrc_tag_id character varying(255),
    lot_id character varying(255),
    deleted boolean NOT NULL,
    archived boolean NOT NULL,
    unsellable boolean NOT NULL,
    quantity bigint NOT NULL,
    source_batch_id text,
    document text NOT NULL,
    CONSTRAINT pk_product_batches PRIMARY KEY (id),
    CONSTRAINT fk_product_batches_companies_company_id FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_product_batches_shops_shop_id FOREIGN KEY (shop_id) REFERENCES shops (id) ON DELETE CASCADE,
    CONSTRAINT fk_product_batches_store_products_product_id FOREIGN KEY (product_id) REFERENCES store_products (id) ON DELETE CASCADE
);

CREATE TABLE batch_quantities (
    id character varying(24) NOT NULL,
    company_id text NOT NULL,
    shop_id text NOT NULL,
    product_id text NOT NULL,
    inventory_id character varying(24) NOT NULL,
    batch_id character varying(24) NOT NULL,
    quantity bigint NOT NULL,
    committed bigint NOT NULL,
    created bigint NOT NULL,
    modified bigint NOT NULL,
    CONSTRAINT pk_batch_quantities PRIMARY KEY (id),
    CONSTRAINT ck_batch_quantities_non_negative CHECK (quantity >= 0 AND committed >= 0 AND committed <= quantity),
    CONSTRAINT fk_batch_quantities_inventories_inventory_id FOREIGN KEY (inventory_id) REFERENCES inventories (id) ON DELETE CASCADE,
    CONSTRAINT fk_batch_quantities_product_batches_batch_id FOREIGN KEY (batch_id) REFERENCES product_batches (id) ON DELETE CASCADE
);

CREATE TABLE inventory_transfers (
    id character varying(24) NOT NULL,
    company_id character varying(24) NOT NULL,
    shop_id text NOT NULL,
    created bigint NOT NULL,
    modified bigint NOT NULL,
    status character varying(16) NOT NULL,
    create_by_employee_id text NOT NULL,
    accept_by_employee_id text,
    decline_by_employee_id text,
    from_shop_id text NOT NULL,
    to_shop_id text NOT NULL,
    from_inventory_id text NOT NULL,
    to_inventory_id text NOT NULL,
    prev_from_inventory_id text,
    declined_date bigint,
    accepted_date bigint,
    transfer_no bigint NOT NULL,
    complete_transfer boolean NOT NULL,
    transfer_by_batch boolean NOT NULL,
    processed_time bigint,
    processing boolean NOT NULL,
    driver_id character varying(255),
    transaction_id character varying(255),
    order_no character varying(255),
    active_top_user_id character varying(255),
    CONSTRAINT pk_inventory_transfers PRIMARY KEY (id),
    CONSTRAINT fk_inventory_transfers_companies_company_id FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE
);

CREATE TABLE inventory_transfer_logs (
    id character varying(24) NOT NULL,
    transfer_id character varying(24) NOT NULL,
    position integer NOT NULL,
    product_id text NOT NULL,
    to_product_id text,
    from_batch_id text NOT NULL,
    to_batch_id text,
    transfer_amount bigint NOT NULL,
    orig_from_qty bigint,
    final_from_qty bigint,
    orig_to_qty bigint,
    final_inventory bigint,
    failed boolean NOT NULL,
    CONSTRAINT pk_inventory_transfer_logs PRIMARY KEY (id),
    CONSTRAINT fk_inventory_transfer_logs_inventory_transfers_transfer_id FOREIGN KEY (transfer_id) REFERENCES inventory_transfers (id) ON DELETE CASCADE
);

CREATE TABLE transfer_counters (
    company_id text NOT NULL,
    last_no bigint NOT NULL,
    CONSTRAINT pk_transfer_counters PRIMARY KEY (company_id)
);

CREATE UNIQUE INDEX ix_batch_quantities_batch_id_inventory_id ON batch_quantities (batch_id, inventory_id);

CREATE INDEX ix_batch_quantities_inventory_id_modified_id ON batch_quantities (inventory_id, modified, id);

CREATE INDEX ix_batch_quantities_shop_id_product_id ON batch_quantities (shop_id, product_id);

CREATE INDEX ix_inventory_transfer_logs_transfer_id_position ON inventory_transfer_logs (transfer_id, position);

CREATE UNIQUE INDEX ix_inventory_transfers_company_id_transfer_no ON inventory_transfers (company_id, transfer_no);

CREATE INDEX ix_inventory_transfers_to_process ON inventory_transfers (processing, complete_transfer, accepted_date);

CREATE INDEX ix_product_batches_company_id ON product_batches (company_id);

CREATE INDEX ix_product_batches_product_id ON product_batches (product_id);

CREATE INDEX ix_product_batches_shop_id_deleted_modified_id ON product_batches (shop_id, deleted, modified, id);

CREATE INDEX ix_product_batches_shop_id_product_id_modified ON product_batches (shop_id, product_id, modified);

CREATE INDEX ix_product_batches_shop_id_purchased_date ON product_batches (shop_id, purchased_date);

CREATE UNIQUE INDEX ix_product_batches_shop_id_source_batch_id ON product_batches (shop_id, source_batch_id);

CREATE INDEX ix_product_batches_shop_id_status_modified ON product_batches (shop_id, status, modified);

CREATE INDEX ix_store_products_company_id ON store_products (company_id);

CREATE INDEX ix_store_products_shop_id ON store_products (shop_id);

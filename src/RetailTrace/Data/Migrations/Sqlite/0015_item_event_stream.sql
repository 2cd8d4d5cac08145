-- One model of a LucidID on every provider (the PostgreSQL migration says what changes and how the
-- existing history is carried over in its order). SQLite cannot drop columns with constraints or change
-- a foreign key in place, so lucid_items is rebuilt with the same rows; id lists were JSON arrays here.

CREATE TEMP TABLE old_history AS
SELECT row_number() OVER (ORDER BY position, rank, tiebreak) AS id, h.*
FROM (
    -- Events of one unit or of a case part, but voids and returns (gathered per transaction below).
    SELECT e.id AS position, 0 AS rank, e.id AS tiebreak, e.event AS type, e.at, e.dispensary_id, e.package_uid, e.order_id,
           NULL AS performed_at, NULL AS customer_id, NULL AS budtender_id,
           coalesce(e.item_ids, json_array(e.item_id)) AS units, NULL AS sale
    FROM item_events AS e
    WHERE e.event NOT IN ('voided', 'returned')
    UNION ALL
    -- Sales, after the event whose id was the last one issued when each was recorded.
    SELECT coalesce(t.history_position, 0), 1, t.id, 'sold', t.recorded_at, t.dispensary_id, NULL, t.order_id,
           t.performed_at, t.customer_id, t.budtender_id, coalesce(t.item_ids, '[]'), t.id
    FROM retail_transactions AS t
    WHERE t.type = 'complete'
    UNION ALL
    -- Voids and returns with the units each put back (their per-unit events), at the first of those events.
    SELECT min(e.id), 0, min(e.id), e.event, coalesce(min(t.recorded_at), min(e.at)), e.dispensary_id, NULL, e.order_id,
           min(t.performed_at), min(t.customer_id), min(t.budtender_id), json_group_array(e.item_id), NULL
    FROM item_events AS e
    LEFT JOIN retail_transactions AS t ON t.dispensary_id = e.dispensary_id AND t.order_id = e.order_id
        AND t.type = CASE e.event WHEN 'voided' THEN 'void' ELSE 'return' END
    WHERE e.event IN ('voided', 'returned')
    GROUP BY e.dispensary_id, e.order_id, e.event
    UNION ALL
    -- Voids and returns that found nothing to put back, after the last entry of their order.
    SELECT coalesce((SELECT max(e.id) FROM item_events AS e WHERE e.dispensary_id = t.dispensary_id AND e.order_id = t.order_id),
                    s.history_position, 0), 2, t.id, CASE t.type WHEN 'void' THEN 'voided' ELSE 'returned' END, t.recorded_at,
           t.dispensary_id, NULL, t.order_id, t.performed_at, t.customer_id, t.budtender_id, '[]', NULL
    FROM retail_transactions AS t
    LEFT JOIN retail_transactions AS s ON s.dispensary_id = t.dispensary_id AND s.order_id = t.order_id AND s.type = 'complete'
    WHERE t.type IN ('void', 'return') AND NOT EXISTS (
        SELECT 1 FROM item_events AS e WHERE e.dispensary_id = t.dispensary_id AND e.order_id = t.order_id
            AND e.event = CASE t.type WHEN 'void' THEN 'voided' ELSE 'returned' END)
) AS h;

-- Ids in the JSON lists may be in any letter case; stored ids are upper case.
CREATE TEMP TABLE old_history_units AS
SELECT DISTINCT h.id AS event_id, upper(j.value) AS item_id FROM old_history AS h, json_each(h.units) AS j;

CREATE TABLE "lucid_items_0015" (
    "id" TEXT NOT NULL CONSTRAINT "pk_lucid_items" PRIMARY KEY,
    "case_id" TEXT NOT NULL,
    "packaged_product_id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "inventory_package_id" TEXT NULL,
    "sale_event_id" INTEGER NULL,
    CONSTRAINT "fk_lucid_items_cases_case_id" FOREIGN KEY ("case_id") REFERENCES "cases" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_lucid_items_packaged_products_packaged_product_id" FOREIGN KEY ("packaged_product_id") REFERENCES "packaged_products" ("id") ON DELETE RESTRICT
);
-- Units stored minted while their part was imported were in that part's inventory: write it on them.
INSERT INTO "lucid_items_0015" ("id", "case_id", "packaged_product_id", "brand_id", "state", "dispensary_id", "inventory_package_id", "sale_event_id")
SELECT li.id, li.case_id, li.packaged_product_id, li.brand_id,
       CASE WHEN li.state = 'minted' AND ip.id IS NOT NULL THEN 'in_inventory' ELSE li.state END,
       CASE WHEN li.state = 'minted' AND ip.id IS NOT NULL THEN ip.dispensary_id ELSE li.dispensary_id END,
       CASE WHEN li.state = 'minted' AND ip.id IS NOT NULL THEN ip.id ELSE li.inventory_package_id END,
       CASE WHEN li.state = 'sold' THEN (SELECT h.id FROM old_history AS h WHERE h.sale = li.sale_transaction_id) END
FROM lucid_items AS li
LEFT JOIN inventory_packages AS ip ON ip.case_id = li.case_id AND ip.packaged_product_id = li.packaged_product_id;
DROP TABLE "lucid_items";
ALTER TABLE "lucid_items_0015" RENAME TO "lucid_items";
CREATE INDEX "ix_lucid_items_brand_id" ON "lucid_items" ("brand_id");
CREATE INDEX "ix_lucid_items_case_id_packaged_product_id" ON "lucid_items" ("case_id", "packaged_product_id");
CREATE INDEX "ix_lucid_items_packaged_product_id" ON "lucid_items" ("packaged_product_id");

DROP TABLE "item_events";
DROP TABLE "retail_transactions";

CREATE TABLE "item_events" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_item_events" PRIMARY KEY AUTOINCREMENT,
    "type" TEXT NOT NULL,
    "at" TEXT NOT NULL,
    "dispensary_id" TEXT NULL,
    "package_uid" TEXT NULL,
    "order_id" TEXT NULL,
    "performed_at" TEXT NULL,
    "customer_id" TEXT NULL,
    "budtender_id" TEXT NULL
);
CREATE UNIQUE INDEX "ix_item_events_dispensary_id_order_id_type" ON "item_events" ("dispensary_id", "order_id", "type");

CREATE TABLE "item_event_units" (
    "event_id" INTEGER NOT NULL,
    "item_id" TEXT NOT NULL,
    CONSTRAINT "pk_item_event_units" PRIMARY KEY ("item_id", "event_id"),
    CONSTRAINT "fk_item_event_units_item_events_event_id" FOREIGN KEY ("event_id") REFERENCES "item_events" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_item_event_units_lucid_items_item_id" FOREIGN KEY ("item_id") REFERENCES "lucid_items" ("id") ON DELETE RESTRICT
);
CREATE INDEX "ix_item_event_units_event_id" ON "item_event_units" ("event_id");

INSERT INTO "item_events" ("id", "type", "at", "dispensary_id", "package_uid", "order_id", "performed_at", "customer_id", "budtender_id")
SELECT id, type, at, dispensary_id, package_uid, order_id, performed_at, customer_id, budtender_id FROM old_history;
-- Units that no longer exist have no history to keep.
INSERT INTO "item_event_units" ("event_id", "item_id")
SELECT u.event_id, u.item_id FROM old_history_units AS u WHERE EXISTS (SELECT 1 FROM "lucid_items" AS li WHERE li.id = u.item_id);

DROP TABLE old_history;
DROP TABLE old_history_units;

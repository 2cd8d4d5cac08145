-- A product batch's document now holds every documented field fixed at its creation, its column
-- fields included (Store/ProductBatchFields.SetDocument), so a store page reads a row's document and
-- its live columns (modified, quantity, deleted) instead of all of its columns. Documents written
-- before held only the fields that have no column; the column fields are prepended to them here as
-- text, so the stored fields keep their bytes (a jsonb round trip would respace and reorder them).
UPDATE product_batches SET document = '{"id":' || to_json(id)::text
    || ',"companyId":' || to_json(company_id)::text
    || ',"shopId":' || to_json(shop_id)::text
    || ',"created":' || created::text
    || ',"productId":' || to_json(product_id)::text
    || CASE WHEN sku IS NULL THEN '' ELSE ',"sku":' || to_json(sku)::text END
    || CASE WHEN purchased_date IS NULL THEN '' ELSE ',"purchasedDate":' || purchased_date::text END
    || ',"archived":' || to_json(archived)::text
    || ',"unsellable":' || to_json(unsellable)::text
    || CASE WHEN track_package_label IS NULL THEN '' ELSE ',"trackPackageLabel":' || to_json(track_package_label)::text END
    || ',"status":' || to_json(status)::text
    || CASE WHEN lot_id IS NULL THEN '' ELSE ',"lotId":' || to_json(lot_id)::text END
    || CASE WHEN metrc_tag_id IS NULL THEN '' ELSE ',"metrcTagId":' || to_json(metrc_tag_id)::text END
    || CASE WHEN product_name IS NULL THEN '' ELSE ',"productName":' || to_json(product_name)::text END
    || CASE WHEN document::jsonb = '{}'::jsonb THEN '}' ELSE ',' || substr(ltrim(document), 2) END;

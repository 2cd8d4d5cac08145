-- A product batch's document now holds every documented field fixed at its creation, its column
-- fields included (Store/ProductBatchFields.SetDocument), so a store page reads a row's document and
-- its live columns (modified, quantity, deleted) instead of all of its columns. Documents written
-- before held only the fields that have no column; the column fields are prepended to them here.
UPDATE product_batches SET document = '{"id":' || json_quote(id)
    || ',"companyId":' || json_quote(company_id)
    || ',"shopId":' || json_quote(shop_id)
    || ',"created":' || created
    || ',"productId":' || json_quote(product_id)
    || CASE WHEN sku IS NULL THEN '' ELSE ',"sku":' || json_quote(sku) END
    || CASE WHEN purchased_date IS NULL THEN '' ELSE ',"purchasedDate":' || purchased_date END
    || CASE WHEN archived THEN ',"archived":true' ELSE ',"archived":false' END
    || CASE WHEN unsellable THEN ',"unsellable":true' ELSE ',"unsellable":false' END
    || CASE WHEN track_package_label IS NULL THEN '' ELSE ',"trackPackageLabel":' || json_quote(track_package_label) END
    || ',"status":' || json_quote(status)
    || CASE WHEN lot_id IS NULL THEN '' ELSE ',"lotId":' || json_quote(lot_id) END
    || CASE WHEN metrc_tag_id IS NULL THEN '' ELSE ',"metrcTagId":' || json_quote(metrc_tag_id) END
    || CASE WHEN product_name IS NULL THEN '' ELSE ',"productName":' || json_quote(product_name) END
    || CASE WHEN json(document) = '{}' THEN '}' ELSE ',' || substr(ltrim(document), 2) END;

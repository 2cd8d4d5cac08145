-- The unfiltered store batch list's total is kept on the shop's row (the PostgreSQL migration says why).
ALTER TABLE "shops" ADD COLUMN "product_batch_count" INTEGER NOT NULL DEFAULT 0;
UPDATE "shops" SET "product_batch_count" = (SELECT count(*) FROM "product_batches" AS b WHERE b."shop_id" = "shops"."id" AND NOT b."deleted");

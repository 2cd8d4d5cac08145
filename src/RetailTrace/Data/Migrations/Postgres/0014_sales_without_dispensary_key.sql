-- A sale's row names its dispensary without a foreign key. The key's check share-locked the
-- dispensary's row (SELECT … FOR KEY SHARE) in every sale, so all the sales of a dispensary in flight
-- held locks on one row, which PostgreSQL records as a MultiXact shared by those transactions; without
-- the check, sales ran about a fifth faster (bench/RESULTS.md, finding 36). The id is always the
-- authenticated caller's, and no API deletes a dispensary (lucid_items.dispensary_id has no key either).
ALTER TABLE retail_transactions DROP CONSTRAINT fk_retail_transactions_dispensaries_dispensary_id;

-- Package UID exports (SPEC.md §7): one run per dispensary and local export date; the unique index is the claim.
CREATE TABLE "export_runs" (
    "id" TEXT NOT NULL CONSTRAINT "pk_export_runs" PRIMARY KEY,
    "dispensary_id" TEXT NOT NULL,
    "export_date" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "lease_token" TEXT NOT NULL,
    "started_at" TEXT NOT NULL,
    "heartbeat_at" TEXT NOT NULL,
    "finished_at" TEXT NULL,
    "object_key" TEXT NULL,
    "error" TEXT NULL,
    "package_count" INTEGER NOT NULL,
    "lucid_id_count" INTEGER NOT NULL,
    CONSTRAINT "fk_export_runs_dispensaries_dispensary_id" FOREIGN KEY ("dispensary_id") REFERENCES "dispensaries" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "ix_export_runs_dispensary_id_export_date" ON "export_runs" ("dispensary_id", "export_date");

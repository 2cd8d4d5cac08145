CREATE TABLE "idempotency_records" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_idempotency_records" PRIMARY KEY AUTOINCREMENT,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "content_type" TEXT NULL,
    "response_body" BLOB NULL,
    "created_at" TEXT NOT NULL
);

CREATE INDEX "ix_idempotency_records_created_at" ON "idempotency_records" ("created_at");

CREATE UNIQUE INDEX "ix_idempotency_records_scope_key" ON "idempotency_records" ("scope", "key");

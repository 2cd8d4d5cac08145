-- Webhooks (issue 25): tenants' endpoints; the outbox, written in the transaction of the change that causes an
-- event; one message per endpoint and event with its delivery attempts; and the Data Protection key ring that
-- encrypts the endpoints' signing secrets, shared by every server process on the database.
CREATE TABLE "data_protection_keys" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_data_protection_keys" PRIMARY KEY AUTOINCREMENT,
    "friendly_name" TEXT NULL,
    "xml" TEXT NULL
);

CREATE TABLE "webhook_endpoints" (
    "id" TEXT NOT NULL CONSTRAINT "pk_webhook_endpoints" PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "events" TEXT NOT NULL,
    "enabled" INTEGER NOT NULL,
    "disabled_reason" TEXT NULL,
    "secret_ciphertext" TEXT NOT NULL,
    "previous_secret_ciphertext" TEXT NULL,
    "previous_secret_expires_at" TEXT NULL,
    "failing_since" TEXT NULL,
    "lease_token" TEXT NULL,
    "lease_expires_at" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL
);

CREATE TABLE "webhook_outbox" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_webhook_outbox" PRIMARY KEY AUTOINCREMENT,
    "type" TEXT NOT NULL,
    "occurred_at" TEXT NOT NULL,
    "item_event_id" INTEGER NULL,
    "case_id" TEXT NULL,
    "data" TEXT NULL,
    "owners" TEXT NOT NULL,
    CONSTRAINT "fk_webhook_outbox_item_events_item_event_id" FOREIGN KEY ("item_event_id") REFERENCES "item_events" ("id") ON DELETE RESTRICT
);

CREATE TABLE "webhook_messages" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_webhook_messages" PRIMARY KEY AUTOINCREMENT,
    "message_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" TEXT NOT NULL,
    "last_attempt_at" TEXT NULL,
    CONSTRAINT "fk_webhook_messages_webhook_endpoints_endpoint_id" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE
);

CREATE TABLE "webhook_attempts" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_webhook_attempts" PRIMARY KEY AUTOINCREMENT,
    "message_id" INTEGER NOT NULL,
    "attempted_at" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "status_code" INTEGER NULL,
    "succeeded" INTEGER NOT NULL,
    "latency_ms" INTEGER NOT NULL,
    "response_excerpt" TEXT NULL,
    "error" TEXT NULL,
    CONSTRAINT "fk_webhook_attempts_webhook_messages_message_id" FOREIGN KEY ("message_id") REFERENCES "webhook_messages" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_webhook_attempts_message_id" ON "webhook_attempts" ("message_id");

CREATE INDEX "ix_webhook_endpoints_owner" ON "webhook_endpoints" ("owner");

CREATE INDEX "ix_webhook_messages_endpoint_id_status_id" ON "webhook_messages" ("endpoint_id", "status", "id");

CREATE UNIQUE INDEX "ix_webhook_messages_message_id" ON "webhook_messages" ("message_id");

CREATE INDEX "ix_webhook_outbox_item_event_id" ON "webhook_outbox" ("item_event_id");

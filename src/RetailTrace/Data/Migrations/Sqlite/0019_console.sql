-- The operator console: its sign-in sessions and its audit log (the PostgreSQL migration says why).
CREATE TABLE "console_sessions" (
    "id" TEXT NOT NULL CONSTRAINT "pk_console_sessions" PRIMARY KEY,
    "operator" TEXT NOT NULL,
    "remote_address" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "expires_at" TEXT NOT NULL,
    "ended_at" TEXT NULL
);

CREATE TABLE "console_audit_log" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_console_audit_log" PRIMARY KEY AUTOINCREMENT,
    "at" TEXT NOT NULL,
    "session_id" TEXT NULL,
    "operator" TEXT NOT NULL,
    "remote_address" TEXT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NULL,
    "detail" TEXT NULL
);

-- Package UID exports (SPEC.md §7): one run per dispensary and local export date; the unique index is the claim.
CREATE TABLE export_runs (
    id uuid NOT NULL,
    dispensary_id uuid NOT NULL,
    export_date date NOT NULL,
    status character varying(16) NOT NULL,
    attempt integer NOT NULL,
    lease_token uuid NOT NULL,
    started_at timestamp with time zone NOT NULL,
    heartbeat_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    object_key character varying(255),
    error character varying(1000),
    package_count bigint NOT NULL,
    lucid_id_count bigint NOT NULL,
    CONSTRAINT pk_export_runs PRIMARY KEY (id),
    CONSTRAINT fk_export_runs_dispensaries_dispensary_id FOREIGN KEY (dispensary_id) REFERENCES dispensaries (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_export_runs_dispensary_id_export_date ON export_runs (dispensary_id, export_date);

-- soudan's PostgreSQL schema, version 1: many offices in one database.
--
-- Every row carries its office; a server configured for one office reads
-- and writes only rows of that office. Each record is kept whole as JSONB
-- (the same serde form as soudan's backup file), beside the columns the
-- rules and the queries need. The rules are kept by the database as well
-- as by the desk: a partial unique index allows one live booking per
-- (office, day, start, booth) and one per job seeker and day; the audit
-- trail cannot be changed or deleted. Only what CockroachDB and YugabyteDB
-- also support is used (no EXCLUDE constraints); see docs/guide-office.md.

CREATE TABLE soudan_office (
    office      text PRIMARY KEY,
    -- 'real' or 'training': which clock the office's data was made under.
    clock       text NOT NULL DEFAULT 'real' CHECK (clock IN ('real', 'training')),
    -- The number the next audit event, queued mail and block get.
    audit_next  bigint NOT NULL DEFAULT 0,
    mail_next   bigint NOT NULL DEFAULT 0,
    block_next  bigint NOT NULL DEFAULT 1
);

CREATE TABLE soudan_seeker (
    office  text NOT NULL REFERENCES soudan_office (office),
    number  text NOT NULL,
    record  jsonb NOT NULL,
    PRIMARY KEY (office, number)
);

CREATE TABLE soudan_booking (
    office      text NOT NULL REFERENCES soudan_office (office),
    id          text NOT NULL,
    seeker      text NOT NULL,
    day         date NOT NULL,
    start_time  time NOT NULL,
    booth       smallint NOT NULL,
    status      text NOT NULL CHECK (status IN
                ('booked', 'in_progress', 'completed', 'stopped', 'cancelled', 'no_show')),
    record      jsonb NOT NULL,
    PRIMARY KEY (office, id),
    FOREIGN KEY (office, seeker) REFERENCES soudan_seeker (office, number)
);

-- A live booking holds its slot: one per slot, one per job seeker and day.
CREATE UNIQUE INDEX soudan_booking_one_per_slot
    ON soudan_booking (office, day, start_time, booth)
    WHERE status NOT IN ('cancelled', 'no_show');
CREATE UNIQUE INDEX soudan_booking_one_per_seeker_day
    ON soudan_booking (office, seeker, day)
    WHERE status NOT IN ('cancelled', 'no_show');
CREATE INDEX soudan_booking_by_day ON soudan_booking (office, day, start_time, booth);
CREATE INDEX soudan_booking_by_seeker ON soudan_booking (office, seeker, day);
CREATE INDEX soudan_booking_pending ON soudan_booking (office, day, start_time)
    WHERE status = 'booked';

-- A refusal may name a job seeker who never booked (no record of theirs).
CREATE TABLE soudan_refusals (
    office  text NOT NULL REFERENCES soudan_office (office),
    seeker  text NOT NULL,
    record  jsonb NOT NULL,
    PRIMARY KEY (office, seeker)
);

-- Numbered densely per office, in the change's own transaction.
CREATE TABLE soudan_audit (
    office   text NOT NULL REFERENCES soudan_office (office),
    seq      bigint NOT NULL CHECK (seq >= 0),
    booking  text,
    record   jsonb NOT NULL,
    PRIMARY KEY (office, seq)
);
CREATE INDEX soudan_audit_by_booking ON soudan_audit (office, booking, seq)
    WHERE booking IS NOT NULL;

CREATE FUNCTION soudan_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
CREATE TRIGGER soudan_audit_no_change
    BEFORE UPDATE OR DELETE ON soudan_audit
    FOR EACH ROW EXECUTE FUNCTION soudan_audit_append_only();

CREATE TABLE soudan_note (
    office   text NOT NULL REFERENCES soudan_office (office),
    on_kind  text NOT NULL CHECK (on_kind IN ('booking', 'seeker')),
    on_key   text NOT NULL,
    record   jsonb NOT NULL,
    PRIMARY KEY (office, on_kind, on_key)
);

CREATE TABLE soudan_block (
    office  text NOT NULL REFERENCES soudan_office (office),
    id      bigint NOT NULL,
    day     date NOT NULL,
    record  jsonb NOT NULL,
    PRIMARY KEY (office, id)
);
CREATE INDEX soudan_block_by_day ON soudan_block (office, day);

CREATE TABLE soudan_mail_queue (
    office  text NOT NULL REFERENCES soudan_office (office),
    seq     bigint NOT NULL,
    record  jsonb NOT NULL,
    PRIMARY KEY (office, seq)
);

-- A notice or reminder queued, a request carried out: never twice.
CREATE TABLE soudan_mark (
    office  text NOT NULL REFERENCES soudan_office (office),
    mark    bytea NOT NULL,
    value   bytea NOT NULL,
    PRIMARY KEY (office, mark)
);

-- A wizard's hold on a slot, shared by every server of the office; a hold
-- past `until` counts for nothing.
CREATE TABLE soudan_hold (
    office      text NOT NULL REFERENCES soudan_office (office),
    day         date NOT NULL,
    start_time  time NOT NULL,
    booth       smallint NOT NULL,
    account     text NOT NULL,
    terminal    text NOT NULL,
    until       timestamptz NOT NULL,
    PRIMARY KEY (office, day, start_time, booth)
);

-- soudan's PostgreSQL schema, version 2: a wizard's hold names its holder
-- (the server and its connection), so that a server ends its own holds
-- when a terminal leaves, and it ends at office time, as the desk counts
-- time. Holds are a courtesy between people at work, never a booking:
-- those of version 1 are not kept.

DROP TABLE soudan_hold;

CREATE TABLE soudan_hold (
    office      text NOT NULL REFERENCES soudan_office (office),
    day         date NOT NULL,
    start_time  time NOT NULL,
    booth       smallint NOT NULL,
    account     text NOT NULL,
    terminal    text NOT NULL,
    holder      text NOT NULL,
    until       timestamp NOT NULL,
    PRIMARY KEY (office, day, start_time, booth)
);
CREATE INDEX soudan_hold_by_holder ON soudan_hold (office, holder);

-- Appointments at service offices. An office publishes slots (a day, a start and end time,
-- a capacity); `booked` counts the live bookings and never passes the capacity, which is
-- what stops double booking when many citizens race for the last places. A booking gets the
-- day's next queue number at its office and a code for its QR.

CREATE TABLE appointment_slots (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies (id),
    day         TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    capacity    INTEGER NOT NULL CHECK (capacity > 0),
    booked      INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    created_at  INTEGER NOT NULL,
    UNIQUE (agency_id, day, starts_at)
);

CREATE TABLE appointments (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    slot_id      INTEGER NOT NULL REFERENCES appointment_slots (id),
    agency_id    INTEGER NOT NULL REFERENCES agencies (id),
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    queue_number INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'called')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    called_at    INTEGER,
    UNIQUE (agency_id, day, queue_number)
);
-- One live booking per citizen per office and day.
CREATE UNIQUE INDEX appointments_one_per_day ON appointments (account_id, agency_id, day) WHERE status = 'booked';
CREATE INDEX appointments_by_account ON appointments (account_id, day);
CREATE INDEX appointments_by_office_day ON appointments (agency_id, day, status, queue_number);

-- The last queue number given at an office on a day.
CREATE TABLE queue_counters (
    agency_id   INTEGER NOT NULL REFERENCES agencies (id),
    day         TEXT NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (agency_id, day)
);

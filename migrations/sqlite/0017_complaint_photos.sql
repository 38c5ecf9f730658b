-- Photos of complaints: the content is stored once under its SHA-256 in DATA_DIR/files
-- (like application documents) after the camera's location is removed, unless the
-- reporter kept it. `photos` on the report lets lists show a photo without a join.
-- `media_url` is a link an Open311 client gave with its request.

CREATE TABLE complaint_photos (
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    location_kept   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (complaint_id, position)
);

ALTER TABLE complaints ADD COLUMN photos INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN media_url TEXT;

-- The tamper-evident audit log. Every entry is a leaf of an RFC 6962 Merkle tree; tree
-- heads are signed with Ed25519. Entries hold references and digests, never personal data.

-- The number of entries and the newest chain hash, in one row: appenders update it to take
-- the next index, so indexes are gap-free and unique however many transactions append at
-- once, and a rolled-back append gives its index back.
CREATE TABLE audit_log_size (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    size       INTEGER NOT NULL,
    last_chain BLOB NOT NULL
);
INSERT INTO audit_log_size (id, size, last_chain) VALUES (1, 0, zeroblob(32));

CREATE TABLE audit_entries (
    leaf_index  INTEGER PRIMARY KEY,
    recorded_at INTEGER NOT NULL,
    -- The exact bytes hashed into the tree (canonical JSON).
    leaf        BLOB NOT NULL,
    -- SHA-256 over the previous entry's chain hash and this leaf: locates the first
    -- edited entry; the signed tree heads prove the whole.
    chain_hash  BLOB NOT NULL
);

-- SQLite has no SHA-256 in SQL: the appender computes the chain hash and inserts the entry
-- only if the size and chain it built on are still current; this trigger then moves them
-- on, all in the one statement.
CREATE TRIGGER audit_entries_append AFTER INSERT ON audit_entries BEGIN
    UPDATE audit_log_size SET size = size + 1, last_chain = new.chain_hash WHERE id = 1;
END;

CREATE TABLE audit_tree_heads (
    tree_size    INTEGER PRIMARY KEY,
    timestamp_ms INTEGER NOT NULL,
    root_hash    BLOB NOT NULL,
    signature    BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    -- The Merkle frontier at this size (the peaks, 32 bytes each, tallest first): the next
    -- head is signed by reading only the entries appended since.
    frontier     BLOB NOT NULL
);

CREATE TABLE audit_keys (
    key_id     TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    first_used INTEGER NOT NULL
);

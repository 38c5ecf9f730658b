-- The tamper-evident audit log. Every entry is a leaf of an RFC 6962 Merkle tree; tree
-- heads are signed with Ed25519. Entries hold references and digests, never personal data.

-- The number of entries and the newest chain hash, in one row: appenders update it to take
-- the next index, so indexes are gap-free and unique however many transactions append at
-- once, and a rolled-back append gives its index back.
CREATE TABLE audit_log_size (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    size       BIGINT NOT NULL,
    last_chain BYTEA NOT NULL
);
INSERT INTO audit_log_size (id, size, last_chain) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE audit_entries (
    leaf_index  BIGINT PRIMARY KEY,
    recorded_at BIGINT NOT NULL,
    -- The exact bytes hashed into the tree (canonical JSON).
    leaf        BYTEA NOT NULL,
    -- SHA-256 over the previous entry's chain hash and this leaf: locates the first
    -- edited entry; the signed tree heads prove the whole.
    chain_hash  BYTEA NOT NULL
);

CREATE TABLE audit_tree_heads (
    tree_size    BIGINT PRIMARY KEY,
    timestamp_ms BIGINT NOT NULL,
    root_hash    BYTEA NOT NULL,
    signature    BYTEA NOT NULL,
    key_id       TEXT NOT NULL,
    -- The Merkle frontier at this size (the peaks, 32 bytes each, tallest first): the next
    -- head is signed by reading only the entries appended since.
    frontier     BYTEA NOT NULL
);

CREATE TABLE audit_keys (
    key_id     TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    first_used BIGINT NOT NULL
);

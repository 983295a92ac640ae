-- zrsign store, version 1: the durable state of the responder and the relayer.
-- Times are unix milliseconds; hashes and addresses 0x-hex text; request ids integers (sequential from 1).

-- Where each event follower is: the next block to read, per stream (service + chain + contract).
CREATE TABLE follower (
    stream       TEXT    PRIMARY KEY,
    evm_chain_id INTEGER NOT NULL,
    address      TEXT    NOT NULL,
    next_block   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Hashes of blocks a follower processed (the recent ones), to detect reorgs.
CREATE TABLE follower_blocks (
    stream TEXT    NOT NULL,
    number INTEGER NOT NULL,
    hash   TEXT    NOT NULL,
    PRIMARY KEY (stream, number)
);

-- Events a follower could not decode: recorded with the reason and skipped.
CREATE TABLE skipped_events (
    stream      TEXT    NOT NULL,
    block       INTEGER NOT NULL,
    log_index   INTEGER NOT NULL,
    tx_hash     TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (stream, block, log_index)
);

-- Every request the responder saw, and what it did with it.
CREATE TABLE requests (
    evm_chain_id INTEGER NOT NULL,
    proxy        TEXT    NOT NULL,
    request_id   INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    requester    TEXT    NOT NULL,
    block        INTEGER NOT NULL,
    broadcast    INTEGER NOT NULL,
    status       TEXT    NOT NULL, -- seen | answered | rejected | not_open | skipped
    detail       TEXT,             -- rejection reason, skip selector, …
    answer_tx    TEXT,
    seen_at      INTEGER NOT NULL,
    answered_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (evm_chain_id, proxy, request_id)
);

-- Transactions the responder sent, recorded before their receipt is awaited.
CREATE TABLE sent_txs (
    tx_hash      TEXT    PRIMARY KEY,
    evm_chain_id INTEGER NOT NULL,
    sender       TEXT    NOT NULL,
    nonce        INTEGER NOT NULL,
    purpose      TEXT    NOT NULL,
    request_ids  TEXT    NOT NULL, -- JSON array
    status       TEXT    NOT NULL, -- pending | mined | failed | dropped
    block        INTEGER,
    error        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX sent_txs_pending ON sent_txs (evm_chain_id, status);

-- Every broadcast the relayer owns: one per answered request that asked for it.
CREATE TABLE broadcasts (
    evm_chain_id      INTEGER NOT NULL, -- the source chain
    proxy             TEXT    NOT NULL,
    request_id        INTEGER NOT NULL,
    dst_chain         TEXT    NOT NULL, -- CAIP-2
    dst_evm_chain_id  INTEGER NOT NULL,
    raw_tx            BLOB    NOT NULL,
    tx_hash           TEXT    NOT NULL,
    sender            TEXT    NOT NULL,
    nonce             INTEGER NOT NULL,
    max_fee_per_gas   TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    error_class       TEXT,
    last_error        TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    first_attempt_at  INTEGER,
    next_attempt_at   INTEGER NOT NULL,
    mined_block       INTEGER,
    mined_block_hash  TEXT,
    confirmations     INTEGER NOT NULL DEFAULT 0,
    replaced_by       INTEGER,
    needed_fee        TEXT,
    answered_block    INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (evm_chain_id, proxy, request_id)
);
CREATE INDEX broadcasts_by_nonce ON broadcasts (dst_evm_chain_id, sender, nonce);
CREATE INDEX broadcasts_due ON broadcasts (status, next_attempt_at);

using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>The relay's schema, version by version, for SQLite and for PostgreSQL; released versions are never edited.</summary>
public static class RelaySchema
{
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "messages, inboxes with their cursors, forward permissions, escalations, the outbox",
            Sqlite: """
                CREATE TABLE IF NOT EXISTS messages(
                    id TEXT PRIMARY KEY,
                    sender_id TEXT NOT NULL,
                    sender_name TEXT NOT NULL,
                    client_message_id TEXT NOT NULL,
                    request_hash BLOB NOT NULL,
                    precedence INTEGER NOT NULL,
                    subject BLOB NOT NULL,
                    body BLOB NOT NULL,
                    sent_at INTEGER NOT NULL,
                    acknowledge_by INTEGER NOT NULL,
                    agencies TEXT NOT NULL,
                    meta TEXT NOT NULL DEFAULT '{}',
                    expires_at INTEGER,
                    UNIQUE(sender_id, client_message_id));
                CREATE TABLE IF NOT EXISTS inbox(
                    recipient_id TEXT NOT NULL,
                    cursor INTEGER NOT NULL,
                    message_id TEXT NOT NULL REFERENCES messages(id),
                    role INTEGER NOT NULL,
                    delivered_at INTEGER,
                    acknowledged_at INTEGER,
                    read_at INTEGER,
                    reply_code INTEGER,
                    reply_reason BLOB,
                    replied_at INTEGER,
                    via_desk TEXT,
                    acknowledged_by TEXT,
                    PRIMARY KEY(recipient_id, cursor),
                    UNIQUE(recipient_id, message_id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS inbox_cursors(
                    recipient_id TEXT PRIMARY KEY,
                    last INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS forward_permissions(
                    id TEXT PRIMARY KEY,
                    message_id TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    decided_by TEXT,
                    decision_reason TEXT,
                    requested_at INTEGER NOT NULL,
                    decided_at INTEGER);
                CREATE TABLE IF NOT EXISTS escalations(
                    message_id TEXT NOT NULL,
                    desk_id TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    step_ms INTEGER NOT NULL,
                    next_at INTEGER NOT NULL,
                    chain TEXT NOT NULL,
                    done INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY(message_id, desk_id));
                CREATE INDEX IF NOT EXISTS escalations_due ON escalations(done, next_at);
                CREATE INDEX IF NOT EXISTS messages_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;
                CREATE INDEX IF NOT EXISTS inbox_desk ON inbox(via_desk, message_id) WHERE via_desk IS NOT NULL;
                """ + Outbox.SqliteSchema,
            Postgres: """
                CREATE TABLE IF NOT EXISTS messages(
                    id TEXT PRIMARY KEY,
                    sender_id TEXT NOT NULL,
                    sender_name TEXT NOT NULL,
                    client_message_id TEXT NOT NULL,
                    request_hash BYTEA NOT NULL,
                    precedence INTEGER NOT NULL,
                    subject BYTEA NOT NULL,
                    body BYTEA NOT NULL,
                    sent_at BIGINT NOT NULL,
                    acknowledge_by BIGINT NOT NULL,
                    agencies TEXT NOT NULL,
                    meta TEXT NOT NULL DEFAULT '{}',
                    expires_at BIGINT,
                    UNIQUE(sender_id, client_message_id));
                CREATE TABLE IF NOT EXISTS inbox(
                    recipient_id TEXT NOT NULL,
                    cursor BIGINT NOT NULL,
                    message_id TEXT NOT NULL REFERENCES messages(id),
                    role INTEGER NOT NULL,
                    delivered_at BIGINT,
                    acknowledged_at BIGINT,
                    read_at BIGINT,
                    reply_code INTEGER,
                    reply_reason BYTEA,
                    replied_at BIGINT,
                    via_desk TEXT,
                    acknowledged_by TEXT,
                    PRIMARY KEY(recipient_id, cursor),
                    UNIQUE(recipient_id, message_id));
                CREATE INDEX IF NOT EXISTS inbox_message ON inbox(message_id);
                CREATE TABLE IF NOT EXISTS inbox_cursors(
                    recipient_id TEXT PRIMARY KEY,
                    last BIGINT NOT NULL);
                CREATE TABLE IF NOT EXISTS forward_permissions(
                    id TEXT PRIMARY KEY,
                    message_id TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    decided_by TEXT,
                    decision_reason TEXT,
                    requested_at BIGINT NOT NULL,
                    decided_at BIGINT);
                CREATE TABLE IF NOT EXISTS escalations(
                    message_id TEXT NOT NULL,
                    desk_id TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    step_ms BIGINT NOT NULL,
                    next_at BIGINT NOT NULL,
                    chain TEXT NOT NULL,
                    done INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY(message_id, desk_id));
                CREATE INDEX IF NOT EXISTS escalations_due ON escalations(done, next_at);
                CREATE INDEX IF NOT EXISTS messages_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL;
                CREATE INDEX IF NOT EXISTS messages_sender ON messages(sender_id, id);
                CREATE INDEX IF NOT EXISTS inbox_desk ON inbox(via_desk, message_id) WHERE via_desk IS NOT NULL;
                """ + Outbox.PostgresSchema),
        new(2, "the floor of new cursor sequences, raised by a restore",
            Sqlite: "CREATE TABLE IF NOT EXISTS cursor_floor(id INTEGER PRIMARY KEY CHECK (id = 1), floor INTEGER NOT NULL);",
            Postgres: "CREATE TABLE IF NOT EXISTS cursor_floor(id INTEGER PRIMARY KEY CHECK (id = 1), floor BIGINT NOT NULL);"),
    ];
}

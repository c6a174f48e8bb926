using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>Requests to forward an H2 message outside its agencies, and its originator's decisions; each decided once.</summary>
public sealed class PermissionStore(RelayDatabase relay)
{
    public Task<ForwardPermission> RequestPermissionAsync(Original original, string requester, IReadOnlyList<string> recipients, string reason, CancellationToken cancellationToken) =>
        relay.WriteAsync(async (connection, transaction, now) =>
        {
            var permission = new ForwardPermission
            {
                Id = Guid.CreateVersion7().ToString(), MessageId = original.Id, RequestedBy = requester, Recipients = { recipients }, Reason = reason,
                Status = PermissionStatus.Pending, RequestedAt = Timestamp.FromDateTimeOffset(now),
            };
            await using (var insert = connection.Command("""
                INSERT INTO forward_permissions(id, message_id, requested_by, recipients, reason, status, requested_at)
                VALUES (@id, @message, @by, @recipients, @reason, @status, @at)
                """, transaction, ("@id", permission.Id), ("@message", original.Id), ("@by", requester), ("@recipients", string.Join(',', recipients)),
                ("@reason", reason), ("@status", (int)PermissionStatus.Pending), ("@at", now.ToUnixTimeMilliseconds())))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await RelayDatabase.EnqueueAsync(connection, transaction, PermissionEvent("message.forward_permission.requested", requester, original, permission), now, cancellationToken);
            return (permission, true);
        }, cancellationToken);

    /// <summary>The originator's decision; null when the request does not exist, or is not about a message of <paramref name="originator"/>.</summary>
    public Task<ForwardPermission?> DecidePermissionAsync(string permissionId, string originator, bool grant, string reason, CancellationToken cancellationToken) =>
        relay.WriteAsync<ForwardPermission?>(async (connection, transaction, now) =>
        {
            var found = await PermissionsAsync(connection, transaction, "p.id = @key", permissionId, cancellationToken);
            (ForwardPermission Permission, string Originator, IReadOnlyList<string> Agencies)? permission = found.Count == 1 ? found[0] : null;
            if (permission is null || permission.Value.Originator != originator)
            {
                return (null, false);
            }

            var status = grant ? PermissionStatus.Granted : PermissionStatus.Refused;
            await using (var update = connection.Command(
                "UPDATE forward_permissions SET status = @status, decided_by = @by, decision_reason = @reason, decided_at = @at WHERE id = @id AND status = @pending", transaction,
                ("@status", (int)status), ("@by", originator), ("@reason", reason), ("@at", now.ToUnixTimeMilliseconds()), ("@id", permissionId),
                ("@pending", (int)PermissionStatus.Pending)))
            {
                // Decided meanwhile, or before: the first decision stands.
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    throw new ReplyNotAllowedException("This request has been decided already.");
                }
            }

            var decided = permission.Value.Permission;
            decided.Status = status;
            decided.DecidedBy = originator;
            decided.DecisionReason = reason;
            decided.DecidedAt = Timestamp.FromDateTimeOffset(now);
            var original = new Original(decided.MessageId, originator, string.Empty, string.Empty, MessageMeta.FromJson("{}"), permission.Value.Agencies);
            await RelayDatabase.EnqueueAsync(connection, transaction, PermissionEvent($"message.forward_permission.{(grant ? "granted" : "refused")}", originator, original, decided), now, cancellationToken);
            return (decided, true);
        }, cancellationToken);

    /// <summary>Requests about a message, with its originator and agencies.</summary>
    public async Task<IReadOnlyList<(ForwardPermission Permission, string Originator, IReadOnlyList<string> Agencies)>> PermissionsForMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await relay.OpenAsync(cancellationToken);
        return await PermissionsAsync(connection, null, "p.message_id = @key", messageId, cancellationToken);
    }

    private static async Task<List<(ForwardPermission Permission, string Originator, IReadOnlyList<string> Agencies)>> PermissionsAsync(
        DbConnection connection, DbTransaction? transaction, string where, string key, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"""
            SELECT p.id, p.message_id, p.requested_by, p.recipients, p.reason, p.status, p.decided_by, p.decision_reason, p.requested_at, p.decided_at,
                   m.sender_id, m.agencies
            FROM forward_permissions p JOIN messages m ON m.id = p.message_id WHERE {where} ORDER BY p.requested_at
            """, transaction, ("@key", key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(ForwardPermission, string, IReadOnlyList<string>)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var permission = new ForwardPermission
            {
                Id = reader.GetString(0), MessageId = reader.GetString(1), RequestedBy = reader.GetString(2),
                Recipients = { reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries) }, Reason = reader.GetString(4),
                Status = (PermissionStatus)reader.GetInt32(5), DecidedBy = reader.IsDBNull(6) ? string.Empty : reader.GetString(6),
                DecisionReason = reader.IsDBNull(7) ? string.Empty : reader.GetString(7),
                RequestedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))),
                DecidedAt = RelayDatabase.At(reader, 9),
            };
            list.Add((permission, reader.GetString(10), reader.GetString(11).Split(',', StringSplitOptions.RemoveEmptyEntries)));
        }

        return list;
    }

    private static AuditEvent PermissionEvent(string action, string actor, Original original, ForwardPermission permission) => new()
    {
        Action = action,
        Actor = actor,
        ObjectType = "message",
        ObjectId = original.Id,
        ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes($"{permission.Id}|{permission.Reason}|{permission.DecisionReason}"))),
        Agencies = { original.Agencies },
        Related = { permission.Recipients.Prepend(permission.RequestedBy).Prepend(permission.Id) },
    };
}

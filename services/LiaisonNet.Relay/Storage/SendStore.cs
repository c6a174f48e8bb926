using System.Data.Common;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Live;
using LiaisonNet.Relay.Messages;
using LiaisonNet.ServiceDefaults.AuditTrail;
using LiaisonNet.ServiceDefaults.Storage;

namespace LiaisonNet.Relay.Storage;

/// <summary>
/// Sends: a message, its inbox entries, its escalations and its audit event, committed together. Sends arriving together
/// share one transaction and one flush to disk (group commit); a retry with the same client message id finds the
/// original, on this process or any other writing to the same database (a unique constraint decides).
/// </summary>
public sealed class SendStore(RelayDatabase relay, BodyCipher cipher, InboxNotifier notifier) : IHostedService
{
    /// <summary>At most this many sends share one transaction (and one flush).</summary>
    private const int MaxBatch = 256;

    private readonly Channel<PendingSend> _sends = Channel.CreateUnbounded<PendingSend>(new UnboundedChannelOptions { SingleReader = true });
    private Task _committer = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _committer = Task.Run(CommitSendsAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Sends already accepted into the queue are committed before the service stops.
        _sends.Writer.TryComplete();
        await _committer.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stores a message and its inbox entries, or returns the original when this is a retry of the same send. Completes
    /// only once the message is durably committed.
    /// </summary>
    public async Task<SendOutcome> SendAsync(Sender sender, SendMessageRequest request, IReadOnlyList<Recipient> recipients, TimeSpan acknowledgeWithin, CancellationToken cancellationToken,
        Forwarding? forwarding = null)
    {
        var pending = new PendingSend(sender, request, recipients, acknowledgeWithin, SHA256.HashData(request.ToByteArray()),
            new TaskCompletionSource<SendOutcome>(TaskCreationOptions.RunContinuationsAsynchronously), forwarding);
        if (!_sends.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The relay is stopping.");
        }

        // A caller that gives up does not withdraw the send: it may already be committed, and a retry with the same
        // client message id will find it.
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    private sealed record PendingSend(Sender Sender, SendMessageRequest Request, IReadOnlyList<Recipient> Recipients, TimeSpan AcknowledgeWithin,
        byte[] RequestHash, TaskCompletionSource<SendOutcome> Done, Forwarding? Forwarding);

    private async Task CommitSendsAsync()
    {
        var batch = new List<PendingSend>(MaxBatch);
        while (await _sends.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _sends.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            (SendOutcome? Outcome, Exception? Error)[] outcomes;
            try
            {
                outcomes = await relay.WriteAsync(async (connection, transaction, now) => (await InsertAsync(connection, transaction, batch, now), true), CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Nothing of the batch was committed (or, if the connection broke during the commit, perhaps all of it): each
                // sender is told, and retries with the same client message id, which finds the send if it was stored. The
                // committer itself goes on with the next batch whatever went wrong.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }

                continue;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (outcomes[i].Error is { } error)
                {
                    batch[i].Done.TrySetException(error);
                    continue;
                }

                if (outcomes[i].Outcome is { Duplicate: false })
                {
                    foreach (var recipient in batch[i].Recipients)
                    {
                        notifier.Notify(recipient.Id);
                    }
                }

                batch[i].Done.TrySetResult(outcomes[i].Outcome!);
            }
        }
    }

    /// <summary>
    /// Writes a batch of sends in a few round trips whatever its size: one to find retries of sends already stored, one
    /// to insert the new messages, one per recipient to reserve its cursors (in recipient order), and one for every
    /// inbox entry, escalation and audit event.
    /// </summary>
    private async Task<(SendOutcome?, Exception?)[]> InsertAsync(DbConnection connection, DbTransaction transaction, List<PendingSend> batch, DateTimeOffset now)
    {
        var outcomes = new (SendOutcome? Outcome, Exception? Error)[batch.Count];
        var stored = await StoredAsync(connection, transaction, batch);
        var fresh = new List<(int Index, string MessageId)>();
        var firstInBatch = new Dictionary<(string Sender, string ClientMessageId), int>();
        for (var i = 0; i < batch.Count; i++)
        {
            var key = (batch[i].Sender.Id, batch[i].Request.ClientMessageId);
            if (stored.TryGetValue(key, out var row))
            {
                outcomes[i] = SameSend(batch[i], row.Hash, new SendOutcome(row.Id, DateTimeOffset.FromUnixTimeMilliseconds(row.SentAt), Duplicate: true));
            }
            else if (firstInBatch.TryAdd(key, i))
            {
                fresh.Add((i, Guid.CreateVersion7().ToString()));
            }
        }

        // A message another relay process stored meanwhile under the same client message id comes back without an id
        // (the insert waited for that process to commit); it is then a retry like any other.
        var ids = await connection.ScalarsAsync(transaction, [.. fresh.Select(f => MessageInsert(batch[f.Index], f.MessageId, now))]);
        var written = new List<(int Index, string MessageId)>();
        for (var k = 0; k < fresh.Count; k++)
        {
            var (index, messageId) = fresh[k];
            if (ids[k] is null)
            {
                var raced = await StoredAsync(connection, transaction, [batch[index]]);
                var row = raced.Values.Single();
                outcomes[index] = SameSend(batch[index], row.Hash, new SendOutcome(row.Id, DateTimeOffset.FromUnixTimeMilliseconds(row.SentAt), Duplicate: true));
                continue;
            }

            written.Add((index, messageId));
            outcomes[index] = (new SendOutcome(messageId, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), Duplicate: false), null);
        }

        // The same send twice in one batch (a retry racing its original): the second is the first's duplicate.
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] == default && firstInBatch.TryGetValue((batch[i].Sender.Id, batch[i].Request.ClientMessageId), out var first))
            {
                outcomes[i] = outcomes[first].Outcome is { } original ? SameSend(batch[i], batch[first].RequestHash, original with { Duplicate = true }) : outcomes[first];
            }
        }

        var entries = written.SelectMany(w => batch[w.Index].Recipients.Select(r => (w.Index, w.MessageId, Recipient: r))).ToList();
        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var recipient in entries.GroupBy(e => e.Recipient.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            cursors[recipient.Key] = await InboxEntries.ReserveAsync(connection, transaction, recipient.Key, recipient.Count(), CancellationToken.None);
        }

        var statements = new List<Statement>();
        foreach (var (index, messageId, recipient) in entries)
        {
            statements.Add(InboxEntries.Insert(recipient.Id, cursors[recipient.Id]++, messageId, recipient.Role, recipient.ViaDesk));
            if (recipient.ViaDesk is { } desk)
            {
                // Deadlines live in the database: a restart resumes them where they stood.
                statements.Add(new Statement("""
                    INSERT INTO escalations(message_id, desk_id, step, step_ms, next_at, chain) VALUES (@message, @desk, 0, @stepMs, @next, @chain)
                    ON CONFLICT DO NOTHING
                    """, ("@message", messageId), ("@desk", desk), ("@stepMs", (long)batch[index].AcknowledgeWithin.TotalMilliseconds),
                    ("@next", (now + batch[index].AcknowledgeWithin).ToUnixTimeMilliseconds()), ("@chain", recipient.Id)));
            }
        }

        foreach (var (index, messageId) in written)
        {
            statements.AddRange(Events(batch[index], messageId, now).Select(e => Outbox.Enqueue(RelayDatabase.Stamp(e, now))));
        }

        await connection.ExecuteAllAsync(transaction, statements);
        return outcomes;
    }

    /// <summary>A retry is the stored send when it is the same request; a different request under the same id is refused.</summary>
    private static (SendOutcome?, Exception?) SameSend(PendingSend pending, byte[] storedHash, SendOutcome stored) =>
        storedHash.AsSpan().SequenceEqual(pending.RequestHash) ? (stored, null) : (null, new ClientMessageIdConflictException(pending.Request.ClientMessageId));

    /// <summary>The sends of the batch already stored, by sender and client message id.</summary>
    private static async Task<Dictionary<(string Sender, string ClientMessageId), (string Id, byte[] Hash, long SentAt)>> StoredAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<PendingSend> batch)
    {
        var found = new Dictionary<(string, string), (string, byte[], long)>();
        foreach (var chunk in batch.Chunk(200))
        {
            var keys = chunk.Select((p, i) => $"(@s{i}, @c{i})");
            await using var find = connection.Command(
                $"SELECT sender_id, client_message_id, id, request_hash, sent_at FROM messages WHERE (sender_id, client_message_id) IN ({string.Join(", ", keys)})", transaction,
                [.. chunk.SelectMany((p, i) => new[] { ($"@s{i}", (object?)p.Sender.Id), ($"@c{i}", (object?)p.Request.ClientMessageId) })]);
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                found[(reader.GetString(0), reader.GetString(1))] = (reader.GetString(2), (byte[])reader[3], reader.GetInt64(4));
            }
        }

        return found;
    }

    private Statement MessageInsert(PendingSend pending, string messageId, DateTimeOffset now)
    {
        var (sender, request) = (pending.Sender, pending.Request);
        return new Statement("""
            INSERT INTO messages(id, sender_id, sender_name, client_message_id, request_hash, precedence, subject, body, sent_at, acknowledge_by, agencies, meta, expires_at)
            VALUES (@id, @sender, @name, @cid, @hash, @precedence, @subject, @body, @sent, @ackBy, @agencies, @meta, @expires)
            ON CONFLICT (sender_id, client_message_id) DO NOTHING
            RETURNING id
            """, ("@meta", (MessageMeta.From(request) with { ForwardedFrom = pending.Forwarding?.OriginalId }).ToJson()),
            ("@expires", request.ExpiresAt?.ToDateTimeOffset().ToUnixTimeMilliseconds()),
            ("@id", messageId), ("@sender", sender.Id), ("@name", sender.Name), ("@cid", request.ClientMessageId), ("@hash", pending.RequestHash),
            ("@precedence", (int)request.Precedence), ("@subject", cipher.Seal(request.Subject, messageId)), ("@body", cipher.Seal(request.Body, messageId)),
            ("@sent", now.ToUnixTimeMilliseconds()), ("@ackBy", (now + pending.AcknowledgeWithin).ToUnixTimeMilliseconds()), ("@agencies", string.Join(',', Agencies(pending))));
    }

    private static List<string> Agencies(PendingSend pending) =>
        pending.Recipients.Select(r => r.Agency).Prepend(pending.Sender.Agency ?? string.Empty).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The send's audit events: "sent" on the message, and for a forward "forwarded" on the original's trail too.</summary>
    private static IEnumerable<AuditEvent> Events(PendingSend pending, string messageId, DateTimeOffset now)
    {
        var (sender, request, recipients) = (pending.Sender, pending.Request, pending.Recipients);
        var agencies = Agencies(pending);
        yield return new AuditEvent
        {
            Action = "message.sent",
            Actor = sender.Id,
            ObjectType = "message",
            ObjectId = messageId,
            ContentHash = ByteString.CopyFrom(RelayDatabase.ContentHash(request.Subject, request.Body)),
            Agencies = { agencies },
            // Recipients, their desks and the case, so that the trail of each finds this message.
            Related =
            {
                recipients.Select(r => r.Id)
                    .Concat(recipients.Where(r => r.ViaDesk is not null).Select(r => $"desk:{r.ViaDesk}"))
                    .Concat(request.CaseId.Length > 0 ? [request.CaseId] : [])
                    .Distinct(StringComparer.Ordinal),
            },
        };
        if (pending.Forwarding is { } forwarding)
        {
            yield return new AuditEvent
            {
                Action = "message.forwarded",
                Actor = sender.Id,
                ObjectType = "message",
                ObjectId = forwarding.OriginalId,
                ContentHash = ByteString.CopyFrom(RelayDatabase.ContentHash(request.Subject, request.Body)),
                Agencies = { agencies.Union(forwarding.OriginalAgencies, StringComparer.Ordinal) },
                Related = { recipients.Select(r => r.Id).Prepend(messageId) },
            };
        }
    }
}

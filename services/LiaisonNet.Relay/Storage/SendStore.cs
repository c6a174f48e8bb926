using System.Data.Common;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Live;
using LiaisonNet.Relay.Messages;
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
                outcomes = await relay.WriteAsync(async (connection, transaction, now) =>
                {
                    await InboxEntries.LockCountersAsync(relay.Database, connection, transaction, batch.SelectMany(p => p.Recipients.Select(r => r.Id)), CancellationToken.None);
                    var results = new (SendOutcome?, Exception?)[batch.Count];
                    for (var i = 0; i < batch.Count; i++)
                    {
                        try
                        {
                            results[i] = (await InsertAsync(connection, transaction, batch[i], now), null);
                        }
                        catch (ClientMessageIdConflictException conflict)
                        {
                            // Found before anything of this send was written: the others in the batch go ahead.
                            results[i] = (null, conflict);
                        }
                    }

                    return (results, true);
                }, CancellationToken.None);
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

    /// <summary>The stored send with this sender's client message id, or null; a different request under the same id is a conflict.</summary>
    private static async Task<SendOutcome?> FindAsync(DbConnection connection, DbTransaction transaction, PendingSend pending)
    {
        await using var find = connection.Command(
            "SELECT id, request_hash, sent_at FROM messages WHERE sender_id = @sender AND client_message_id = @cid", transaction,
            ("@sender", pending.Sender.Id), ("@cid", pending.Request.ClientMessageId));
        await using var reader = await find.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        if (!((byte[])reader[1]).AsSpan().SequenceEqual(pending.RequestHash))
        {
            throw new ClientMessageIdConflictException(pending.Request.ClientMessageId);
        }

        return new SendOutcome(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), Duplicate: true);
    }

    private async Task<SendOutcome> InsertAsync(DbConnection connection, DbTransaction transaction, PendingSend pending, DateTimeOffset now)
    {
        if (await FindAsync(connection, transaction, pending) is { } stored)
        {
            return stored;
        }

        var (sender, request, recipients) = (pending.Sender, pending.Request, pending.Recipients);
        var messageId = Guid.CreateVersion7().ToString();
        var agencies = recipients.Select(r => r.Agency).Prepend(sender.Agency ?? string.Empty).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        await using (var insert = connection.Command("""
            INSERT INTO messages(id, sender_id, sender_name, client_message_id, request_hash, precedence, subject, body, sent_at, acknowledge_by, agencies, meta, expires_at)
            VALUES (@id, @sender, @name, @cid, @hash, @precedence, @subject, @body, @sent, @ackBy, @agencies, @meta, @expires)
            ON CONFLICT (sender_id, client_message_id) DO NOTHING
            RETURNING id
            """, transaction, ("@meta", (MessageMeta.From(request) with { ForwardedFrom = pending.Forwarding?.OriginalId }).ToJson()),
            ("@expires", request.ExpiresAt?.ToDateTimeOffset().ToUnixTimeMilliseconds()),
            ("@id", messageId), ("@sender", sender.Id), ("@name", sender.Name), ("@cid", request.ClientMessageId), ("@hash", pending.RequestHash),
            ("@precedence", (int)request.Precedence), ("@subject", cipher.Seal(request.Subject, messageId)), ("@body", cipher.Seal(request.Body, messageId)),
            ("@sent", now.ToUnixTimeMilliseconds()), ("@ackBy", (now + pending.AcknowledgeWithin).ToUnixTimeMilliseconds()), ("@agencies", string.Join(',', agencies))))
        {
            // Nothing inserted: another relay process committed the same send meanwhile (the insert waited for it).
            if (await insert.ExecuteScalarAsync() is null)
            {
                return await FindAsync(connection, transaction, pending) ?? throw new InvalidOperationException("A conflicting send vanished.");
            }
        }

        foreach (var recipient in recipients)
        {
            await InboxEntries.AddAsync(connection, transaction, recipient.Id, messageId, recipient.Role, recipient.ViaDesk, CancellationToken.None);
            if (recipient.ViaDesk is { } desk)
            {
                // Deadlines live in the database: a restart resumes them where they stood.
                await using var escalation = connection.Command("""
                    INSERT INTO escalations(message_id, desk_id, step, step_ms, next_at, chain) VALUES (@message, @desk, 0, @stepMs, @next, @chain)
                    ON CONFLICT DO NOTHING
                    """, transaction, ("@message", messageId), ("@desk", desk), ("@stepMs", (long)pending.AcknowledgeWithin.TotalMilliseconds),
                    ("@next", (now + pending.AcknowledgeWithin).ToUnixTimeMilliseconds()), ("@chain", recipient.Id));
                await escalation.ExecuteNonQueryAsync();
            }
        }

        await RelayDatabase.EnqueueAsync(connection, transaction, new AuditEvent
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
        }, now, CancellationToken.None);
        if (pending.Forwarding is { } forwarding)
        {
            // On the original's trail, in the same transaction as the copy.
            await RelayDatabase.EnqueueAsync(connection, transaction, new AuditEvent
            {
                Action = "message.forwarded",
                Actor = sender.Id,
                ObjectType = "message",
                ObjectId = forwarding.OriginalId,
                ContentHash = ByteString.CopyFrom(RelayDatabase.ContentHash(request.Subject, request.Body)),
                Agencies = { agencies.Union(forwarding.OriginalAgencies, StringComparer.Ordinal) },
                Related = { recipients.Select(r => r.Id).Prepend(messageId) },
            }, now, CancellationToken.None);
        }

        return new SendOutcome(messageId, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), Duplicate: false);
    }
}

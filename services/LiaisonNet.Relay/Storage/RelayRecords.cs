using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Messages;

namespace LiaisonNet.Relay.Storage;

public sealed record Sender(string Id, string Name, string? Agency);

/// <summary>A resolved recipient; <paramref name="ViaDesk"/> when reached as the staff of a desk (and escalated along its roster).</summary>
public sealed record Recipient(string Id, RecipientRole Role, string Agency, string? ViaDesk = null);

/// <summary>A send that passes on an earlier message.</summary>
public sealed record Forwarding(string OriginalId, IReadOnlyList<string> OriginalAgencies);

/// <summary>A message as its forwarder may pass it on.</summary>
public sealed record Original(string Id, string SenderId, string Subject, string Body, MessageMeta Meta, IReadOnlyList<string> Agencies);

/// <summary>An action message to a desk still waiting for an acknowledgement, and where its escalation stands.</summary>
public sealed record Escalation(string MessageId, string DeskId, int Step, long StepMs, IReadOnlyList<string> Chain, string Agencies);

public sealed record SendOutcome(string MessageId, DateTimeOffset AcceptedAt, bool Duplicate);

public sealed record AcknowledgeOutcome(DateTimeOffset AcknowledgedAt, bool AlreadyAcknowledged);

public sealed class ReplyNotAllowedException(string message) : Exception(message);

public sealed class ClientMessageIdConflictException(string clientMessageId)
    : Exception($"client_message_id {ServiceDefaults.Grpc.RpcErrors.Quote(clientMessageId)} was already used for a different message.");

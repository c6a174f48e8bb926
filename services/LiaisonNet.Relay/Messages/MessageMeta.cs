using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.Relay.Messages;

/// <summary>What a message carries besides its text: handling code, evaluation, marking, case, thread, expiry. Stored as JSON.</summary>
public sealed record MessageMeta(
    HandlingCode Handling, string? SourceReliability, string? InformationAssessment, string Classification, string CaseId,
    string InReplyTo, long? ExpiresAtMs, string HandlingNote, string? ForwardedFrom = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static MessageMeta From(SendMessageRequest request) => new(
        request.HandlingCode == HandlingCode.Unspecified ? HandlingCode.H0 : request.HandlingCode,
        request.Evaluation?.SourceReliability, request.Evaluation?.InformationAssessment, request.Classification, request.CaseId,
        request.InReplyTo, request.ExpiresAt?.ToDateTimeOffset().ToUnixTimeMilliseconds(), request.HandlingNote);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MessageMeta FromJson(string json) =>
        json is "{}" or "" ? new MessageMeta(HandlingCode.H0, null, null, string.Empty, string.Empty, string.Empty, null, string.Empty)
            : JsonSerializer.Deserialize<MessageMeta>(json, Json)!;

    public void ApplyTo(InboxItem item)
    {
        item.HandlingCode = Handling;
        item.Classification = Classification;
        item.CaseId = CaseId;
        item.InReplyTo = InReplyTo;
        item.HandlingNote = HandlingNote;
        item.ForwardedFrom = ForwardedFrom ?? string.Empty;
        if (SourceReliability is not null && InformationAssessment is not null)
        {
            item.Evaluation = new Evaluation { SourceReliability = SourceReliability, InformationAssessment = InformationAssessment };
        }

        if (ExpiresAtMs is { } expires)
        {
            item.ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(expires));
        }
    }
}

using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Grpc;

namespace LiaisonNet.Relay.Messages;

/// <summary>What a message must be before the relay accepts it. Plain rules, no storage.</summary>
public static class SendRules
{
    public const int MaxClientMessageIdLength = 100;
    public const int MaxRecipients = 100;
    public const int MaxRecipientIdLength = 100;
    public const int MaxSubjectLength = 200;
    public const int MaxBodyLength = 8000;

    public static FieldViolations Check(SendMessageRequest request)
    {
        var violations = new FieldViolations()
            .Require(request.ClientMessageId.Length is > 0 and <= MaxClientMessageIdLength, "client_message_id",
                $"Required, at most {MaxClientMessageIdLength} characters; reuse it when retrying the same message.")
            .Require(request.ActionRecipients.Count + request.InfoRecipients.Count > 0, "action_recipients", "Name at least one recipient.")
            .Require(request.ActionRecipients.Count + request.InfoRecipients.Count <= MaxRecipients, "action_recipients", $"At most {MaxRecipients} recipients in all.")
            .Require(Enum.IsDefined(request.Precedence) && request.Precedence != Precedence.Unspecified, "precedence",
                "Required: FLASH, IMMEDIATE, PRIORITY or ROUTINE.")
            .Require(request.Subject.Trim().Length > 0, "subject", "Required.")
            .Require(request.Subject.Length <= MaxSubjectLength, "subject", $"At most {MaxSubjectLength} characters.")
            .Require(request.Body.Length <= MaxBodyLength, "body", $"At most {MaxBodyLength} characters; it has {request.Body.Length}.");

        CheckIds(request.ActionRecipients, "action_recipients", violations);
        CheckIds(request.InfoRecipients, "info_recipients", violations);
        var duplicates = request.ActionRecipients.Concat(request.InfoRecipients).GroupBy(r => r, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        violations.Require(duplicates.Count == 0, "info_recipients", $"A recipient appears twice: {string.Join(", ", duplicates)}.");
        return violations;
    }

    private static void CheckIds(IReadOnlyList<string> ids, string field, FieldViolations violations)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            violations.Require(ids[i].Length is > 0 and <= MaxRecipientIdLength, $"{field}[{i}]", $"An officer id of 1 to {MaxRecipientIdLength} characters.");
        }
    }

    public static TimeSpan AcknowledgeWithin(Precedence precedence, AcknowledgeDeadlines deadlines) => precedence switch
    {
        Precedence.Flash => deadlines.Flash,
        Precedence.Immediate => deadlines.Immediate,
        Precedence.Priority => deadlines.Priority,
        Precedence.Routine => deadlines.Routine,
        _ => throw new ArgumentOutOfRangeException(nameof(precedence)),
    };
}

using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Grpc;

namespace LiaisonNet.Relay.Messages;

/// <summary>What a message must be before the relay accepts it. Plain rules, no storage.</summary>
public static class SendRules
{
    public const int MaxClientMessageIdLength = 100;
    public const int MaxRecipients = 100;
    public const int MaxSubjectLength = 200;
    public const int MaxBodyLength = 8000;

    public const int MaxClassificationLength = 64;
    public const int MaxCaseIdLength = 64;
    public const int MaxHandlingNoteLength = 500;
    public const int MaxReasonLength = 500;
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    public static FieldViolations Check(SendMessageRequest request, DateTimeOffset now)
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

        violations
            .Require(Enum.IsDefined(request.HandlingCode), "handling_code", "H0, H1, H2 or H3.")
            .Require(request.HandlingCode != HandlingCode.H3 || request.HandlingNote.Trim().Length > 0, "handling_note", "An H3 message states its restrictions here.")
            .Require(request.HandlingNote.Length <= MaxHandlingNoteLength, "handling_note", $"At most {MaxHandlingNoteLength} characters.")
            .Require(request.Classification.Length <= MaxClassificationLength, "classification", $"At most {MaxClassificationLength} characters.")
            .Require(request.CaseId.Length <= MaxCaseIdLength, "case_id", $"At most {MaxCaseIdLength} characters.")
            .Require(request.InReplyTo.Length <= 100, "in_reply_to", "A message id.");
        if (request.Evaluation is { } evaluation)
        {
            violations
                .Require(evaluation.SourceReliability is "A" or "B" or "C" or "X", "evaluation.source_reliability", "A, B, C or X.")
                .Require(evaluation.InformationAssessment is "1" or "2" or "3" or "4", "evaluation.information_assessment", "1, 2, 3 or 4.");
        }

        if (request.ExpiresAt is { } expires)
        {
            var at = expires.ToDateTimeOffset();
            violations.Require(at > now && at <= now + MaxLifetime, "expires_at", "In the future, within a year.");
        }

        CheckIds(request.ActionRecipients, "action_recipients", violations);
        CheckIds(request.InfoRecipients, "info_recipients", violations);
        var duplicates = request.ActionRecipients.Concat(request.InfoRecipients).GroupBy(r => r, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        violations.Require(duplicates.Count == 0, "info_recipients", $"A recipient appears twice: {string.Join(", ", duplicates)}.");
        return violations;
    }

    /// <summary>Each recipient is an officer id, desk:ID or list:ID, by the one rule for directory ids.</summary>
    public static void CheckIds(IReadOnlyList<string> ids, string field, FieldViolations violations)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            violations.Require(EntryIds.IsAddress(ids[i]), $"{field}[{i}]", EntryIds.AddressRule);
        }
    }

    /// <summary>Each is an officer id (no desks or lists), by the one rule for directory ids.</summary>
    public static void CheckOfficerIds(IReadOnlyList<string> ids, string field, FieldViolations violations)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            violations.Require(EntryIds.IsValid(ids[i]), $"{field}[{i}]", $"An officer id: {EntryIds.Rule}");
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

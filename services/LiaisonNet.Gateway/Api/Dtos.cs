using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.Gateway.Api;

public sealed record MeDto(string Subject, string DisplayName, string? Country, string? Agency, IReadOnlyList<string> Roles, string SecurityUrl);

public sealed record OfficerDto(string Id, string DisplayName, string LatinName, string Rank, string Country, string Agency, string AgencyName,
    string Posting, IReadOnlyList<string> Languages, string MatchedOn, IReadOnlyList<string> OnDutyAt, string UnitName)
{
    public static OfficerDto From(OfficerSummary o) => new(o.Id, o.DisplayName, o.LatinName, o.Rank, o.Country, o.Agency, o.AgencyName, o.Posting,
        [.. o.Languages], o.MatchedOn switch { MatchKind.Exact => "exact", MatchKind.Variant => "variant", _ => "fuzzy" }, [.. o.OnDutyAt], o.UnitName);
}

public sealed record ContactDto(string Kind, string Value);

public sealed record LanguageDto(string Language, string Level);

/// <summary>Restricted fields, each present only where the directory lets this user see it.</summary>
public sealed record RestrictedDto(string? PersonalPhone, string? Clearance, string? HomeUnit);

/// <summary>Everything the directory shows this user of one officer.</summary>
public sealed record OfficerCardDto(OfficerDto Summary, IReadOnlyList<string> NameVariants, IReadOnlyList<string> Specialities, IReadOnlyList<ContactDto> Contacts,
    IReadOnlyList<LanguageDto> LanguageSkills, RestrictedDto? Restricted)
{
    public static OfficerCardDto From(Officer o) => new(OfficerDto.From(o.Summary), [.. o.NameVariants], [.. o.Specialities],
        [.. o.Contacts.Select(c => new ContactDto(c.Kind, c.Value))], [.. o.LanguageSkills.Select(l => new LanguageDto(l.Language, l.Level))],
        o.Restricted is { } r ? new RestrictedDto(Empty(r.PersonalPhone), Empty(r.Clearance), Empty(r.HomeUnit)) : null);

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}

/// <summary>Who is on duty now and until when, and who takes over next and from when.</summary>
public sealed record OnDutyDto(string? Primary, string? PrimaryName, string? Backup, string? BackupName, DateTimeOffset? ShiftEnds, string LocalTime,
    string? NextPrimaryName, string? NextBackupName, DateTimeOffset? NextStarts);

public sealed record DeskDto(string Id, string Name, string Agency, string Country, string TimeZone, OnDutyDto OnDuty)
{
    public static DeskDto From(Desk d) => new(d.Id, d.Name, d.Agency, d.Country, d.TimeZone, new OnDutyDto(
        NullIfEmpty(d.OnDuty?.Primary?.Id), NullIfEmpty(d.OnDuty?.Primary?.DisplayName), NullIfEmpty(d.OnDuty?.Backup?.Id), NullIfEmpty(d.OnDuty?.Backup?.DisplayName),
        d.OnDuty?.ShiftEnds?.ToDateTimeOffset(), d.OnDuty?.LocalTime ?? string.Empty,
        NullIfEmpty(d.OnDuty?.NextPrimary?.DisplayName), NullIfEmpty(d.OnDuty?.NextBackup?.DisplayName), d.OnDuty?.NextStarts?.ToDateTimeOffset()));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

public sealed record DeskItemDto(InboxItemDto Message, IReadOnlyList<string> Reached, DateTimeOffset? AcknowledgedAt, string AcknowledgedBy, string? ReplyCode)
{
    public static DeskItemDto From(DeskItem d) => new(InboxItemDto.From(d.Message), [.. d.Reached], d.AcknowledgedAt?.ToDateTimeOffset(), d.AcknowledgedBy,
        ReplyNames.Name(d.ReplyCode));
}

/// <summary>A desk the user staffs, with its open messages.</summary>
public sealed record DeskBoardDto(DeskDto Desk, IReadOnlyList<DeskItemDto> Items);

public sealed record DistributionListDto(string Id, string Name, IReadOnlyList<string> Desks);

public sealed record SearchResultDto(IReadOnlyList<OfficerDto> Officers, string? NextPageToken);

public sealed record EvaluationDto(string? SourceReliability, string? InformationAssessment);

public sealed record SendMessageDto(string? ClientMessageId, IReadOnlyList<string>? Recipients, IReadOnlyList<string>? InfoRecipients,
    string? Precedence, string? Subject, string? Body, string? HandlingCode = null, string? HandlingNote = null, EvaluationDto? Evaluation = null,
    string? Classification = null, string? CaseId = null, string? InReplyTo = null, DateTimeOffset? ExpiresAt = null);

public sealed record ReplyDto(string? Code, string? Reason);

public sealed record ForwardDto(string? ClientMessageId, IReadOnlyList<string>? Recipients, IReadOnlyList<string>? InfoRecipients, string? Note);

public sealed record PermissionRequestDto(IReadOnlyList<string>? Recipients, string? Reason);

public sealed record DecisionDto(bool Grant, string? Reason);

public sealed record PermissionDto(string Id, string MessageId, string RequestedBy, IReadOnlyList<string> Recipients, string Reason, string Status, string DecidedBy,
    string DecisionReason, DateTimeOffset RequestedAt, DateTimeOffset? DecidedAt)
{
    public static PermissionDto From(ForwardPermission p) => new(p.Id, p.MessageId, p.RequestedBy, [.. p.Recipients], p.Reason,
        p.Status switch { PermissionStatus.Granted => "granted", PermissionStatus.Refused => "refused", _ => "pending" }, p.DecidedBy, p.DecisionReason,
        p.RequestedAt.ToDateTimeOffset(), p.DecidedAt?.ToDateTimeOffset());
}

public sealed record ReceiptDto(string RecipientId, string Role, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt, DateTimeOffset? AcknowledgedAt,
    string? ReplyCode, string ReplyReason, string ViaDesk, string AcknowledgedBy)
{
    public static ReceiptDto From(Receipt r) => new(r.RecipientId, r.Role == RecipientRole.Information ? "information" : "action", At(r.DeliveredAt), At(r.ReadAt),
        At(r.AcknowledgedAt), ReplyNames.Name(r.ReplyCode), r.ReplyReason, r.ViaDesk, r.AcknowledgedBy);

    private static DateTimeOffset? At(Google.Protobuf.WellKnownTypes.Timestamp? t) => t?.ToDateTimeOffset();
}

public sealed record SentMessageDto(string MessageId, string Precedence, string Subject, DateTimeOffset SentAt, DateTimeOffset AcknowledgeBy, string HandlingCode,
    string CaseId, IReadOnlyList<ReceiptDto> Receipts)
{
    public static SentMessageDto From(SentMessage m) => new(m.MessageId, PrecedenceNames.Name(m.Precedence), m.Subject, m.SentAt.ToDateTimeOffset(),
        m.AcknowledgeBy.ToDateTimeOffset(), HandlingNames.Name(m.HandlingCode), m.CaseId, [.. m.Receipts.Select(ReceiptDto.From)]);
}

public sealed record SentPageDto(IReadOnlyList<SentMessageDto> Messages, string? NextPageToken);

public sealed record SentDto(string MessageId, DateTimeOffset AcceptedAt, bool Duplicate);

public sealed record InboxItemDto(long Cursor, string MessageId, string SenderId, string SenderName, string Precedence, string Subject, string Body,
    DateTimeOffset SentAt, DateTimeOffset AcknowledgeBy, bool Acknowledged, string Role, bool Read, string? ReplyCode, string HandlingCode, string HandlingNote,
    EvaluationDto? Evaluation, string Classification, string CaseId, string InReplyTo, DateTimeOffset? ExpiresAt, string ForwardedFrom, string ViaDesk)
{
    public static InboxItemDto From(InboxItem i) => new(i.Cursor, i.MessageId, i.SenderId, i.SenderName, PrecedenceNames.Name(i.Precedence), i.Subject, i.Body,
        i.SentAt.ToDateTimeOffset(), i.AcknowledgeBy.ToDateTimeOffset(), i.Acknowledged, i.Role == RecipientRole.Information ? "information" : "action",
        i.Read, ReplyNames.Name(i.ReplyCode), HandlingNames.Name(i.HandlingCode), i.HandlingNote,
        i.Evaluation is { } e ? new EvaluationDto(e.SourceReliability, e.InformationAssessment) : null, i.Classification, i.CaseId, i.InReplyTo,
        i.ExpiresAt?.ToDateTimeOffset(), i.ForwardedFrom, i.ViaDesk);
}

public sealed record InboxPageDto(IReadOnlyList<InboxItemDto> Items, long NextCursor);

public static class HandlingNames
{
    public static string Name(HandlingCode code) => code switch
    {
        HandlingCode.H1 => "H1",
        HandlingCode.H2 => "H2",
        HandlingCode.H3 => "H3",
        _ => "H0",
    };

    /// <summary>An unknown name maps to a value the relay refuses, naming the field.</summary>
    public static HandlingCode Parse(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        null or "" or "H0" => HandlingCode.H0,
        "H1" => HandlingCode.H1,
        "H2" => HandlingCode.H2,
        "H3" => HandlingCode.H3,
        _ => (HandlingCode)(-1),
    };
}

public static class ReplyNames
{
    public static string? Name(ReplyCode code) => code switch
    {
        ReplyCode.Wilco => "WILCO",
        ReplyCode.Havco => "HAVCO",
        ReplyCode.Cantco => "CANTCO",
        _ => null,
    };

    public static ReplyCode Parse(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "WILCO" => ReplyCode.Wilco,
        "HAVCO" => ReplyCode.Havco,
        "CANTCO" => ReplyCode.Cantco,
        _ => ReplyCode.Unspecified,
    };
}

public static class PrecedenceNames
{
    public static string Name(Precedence precedence) => precedence switch
    {
        Precedence.Flash => "FLASH",
        Precedence.Immediate => "IMMEDIATE",
        Precedence.Priority => "PRIORITY",
        Precedence.Routine => "ROUTINE",
        _ => "UNSPECIFIED",
    };

    /// <summary>An unknown name maps to Unspecified, which the relay rejects naming the field.</summary>
    public static Precedence Parse(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "FLASH" => Precedence.Flash,
        "IMMEDIATE" => Precedence.Immediate,
        "PRIORITY" => Precedence.Priority,
        "ROUTINE" => Precedence.Routine,
        _ => Precedence.Unspecified,
    };
}

/// <summary>The services' addresses (several instances separated by commas), for clients given only the gateway's address.</summary>
public sealed record SystemEndpointsDto(string Issuer, string Directory, string Relay, string Audit, string Accounts);

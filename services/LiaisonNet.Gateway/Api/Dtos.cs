using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.Gateway.Api;

public sealed record MeDto(string Subject, string DisplayName, string? Country, string? Agency, IReadOnlyList<string> Roles);

public sealed record OfficerDto(string Id, string DisplayName, string LatinName, string Rank, string Country, string Agency, string AgencyName,
    string Posting, IReadOnlyList<string> Languages, string MatchedOn)
{
    public static OfficerDto From(OfficerSummary o) => new(o.Id, o.DisplayName, o.LatinName, o.Rank, o.Country, o.Agency, o.AgencyName, o.Posting,
        [.. o.Languages], o.MatchedOn switch { MatchKind.Exact => "exact", MatchKind.Variant => "variant", _ => "fuzzy" });
}

public sealed record SearchResultDto(IReadOnlyList<OfficerDto> Officers, string? NextPageToken);

public sealed record SendMessageDto(string? ClientMessageId, IReadOnlyList<string>? Recipients, IReadOnlyList<string>? InfoRecipients,
    string? Precedence, string? Subject, string? Body);

public sealed record SentDto(string MessageId, DateTimeOffset AcceptedAt, bool Duplicate);

public sealed record InboxItemDto(long Cursor, string MessageId, string SenderId, string SenderName, string Precedence, string Subject, string Body,
    DateTimeOffset SentAt, DateTimeOffset AcknowledgeBy, bool Acknowledged, string Role)
{
    public static InboxItemDto From(InboxItem i) => new(i.Cursor, i.MessageId, i.SenderId, i.SenderName, PrecedenceNames.Name(i.Precedence), i.Subject, i.Body,
        i.SentAt.ToDateTimeOffset(), i.AcknowledgeBy.ToDateTimeOffset(), i.Acknowledged, i.Role == RecipientRole.Information ? "information" : "action");
}

public sealed record InboxPageDto(IReadOnlyList<InboxItemDto> Items, long NextCursor);

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

namespace LiaisonNet.Directory.Model;

/// <summary>A country of the region (ISO 3166-1 alpha-2).</summary>
public sealed record Country(string Code, string Name, string NativeName);

/// <summary>An agency: border service, customs, police, drug control, of one country.</summary>
public sealed record Agency(string Code, string Country, string Name, string NativeName);

/// <summary>A unit of an agency: a detachment, directorate, department or post.</summary>
public sealed record Unit(string Id, string Agency, string Name, string NativeName);

/// <summary>A distribution list of desks across countries, for alerts and broadcasts (for example a be-on-the-lookout notice).</summary>
public sealed record DistributionList(string Id, string Name, IReadOnlyList<string> Desks);

public static class PlaceKinds
{
    public const string JointCentre = "joint-centre";
    public const string BorderLiaisonOffice = "border-liaison-office";
    public const string CrossingPoint = "crossing-point";
    public const string CoordinationCentre = "coordination-centre";

    public static readonly string[] All = [JointCentre, BorderLiaisonOffice, CrossingPoint, CoordinationCentre];

    public static bool IsCentre(string kind) => kind is JointCentre or BorderLiaisonOffice or CoordinationCentre;
}

/// <summary>A joint centre, border liaison office, coordination centre or crossing point, named in every script it is known by.</summary>
public sealed record Place(string Id, string Kind, string Name, IReadOnlyList<string> NameVariants, IReadOnlyList<string> Countries, string TimeZone);

/// <summary>An officer as the directory keeps them.</summary>
public sealed record OfficerRecord
{
    public required string Id { get; init; }
    public required string NativeName { get; init; }
    public required string LatinName { get; init; }
    public IReadOnlyList<string> Variants { get; init; } = [];
    public required string Rank { get; init; }
    public required string Country { get; init; }
    public required string Agency { get; init; }
    public required string AgencyName { get; init; }
    public required string Posting { get; init; }
    public string? Centre { get; init; }
    public string? CrossingPoint { get; init; }
    /// <summary>The unit the officer serves in (a unit of their agency).</summary>
    public string? Unit { get; init; }
    public IReadOnlyList<LanguageSkill> Languages { get; init; } = [];
    public IReadOnlyList<string> Specialities { get; init; } = [];
    public IReadOnlyList<Contact> Contacts { get; init; } = [];
    public Restricted? RestrictedFields { get; init; }
    public long Version { get; init; }

    public IEnumerable<string> AllNames => Variants.Prepend(LatinName).Prepend(NativeName).Distinct(StringComparer.Ordinal);
}

public sealed record LanguageSkill(string Language, string Level)
{
    public static readonly string[] Levels = ["native", "fluent", "working", "basic"];
}

public sealed record Contact(string Kind, string Value)
{
    public static readonly string[] Kinds = ["phone", "radio", "email", "secure-line"];
}

/// <summary>Fields kept inside the officer's agency (personal phone, clearance) or country (home unit).</summary>
public sealed record Restricted(string PersonalPhone, string Clearance, string HomeUnit);

/// <summary>An automated sender of one agency (an alerting system, a case system): the directory's word for a client that sends.</summary>
public sealed record SenderRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Agency { get; init; }
    public required string Country { get; init; }
    public string Description { get; init; } = string.Empty;
    public long Version { get; init; }
}

/// <summary>A duty desk and its weekly roster, kept in the desk's own time zone.</summary>
public sealed record DeskRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Agency { get; init; }
    public required string Country { get; init; }
    public string? Centre { get; init; }
    public string? CrossingPoint { get; init; }
    public required string TimeZone { get; init; }
    public IReadOnlyList<ShiftRecord> Roster { get; init; } = [];
    public string? Supervisor { get; init; }
    public string? EscalationDesk { get; init; }
    public IReadOnlyList<Contact> Contacts { get; init; } = [];
    public long Version { get; init; }
}

/// <summary>A shift starting on each of <see cref="Days"/> at local <see cref="Start"/>, ending at <see cref="End"/> (the next day when not after the start).</summary>
public sealed record ShiftRecord(IReadOnlyList<string> Days, string Start, string End, string Primary, string? Backup)
{
    public static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
}

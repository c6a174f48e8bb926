namespace LiaisonNet.Directory.Search;

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
    public IReadOnlyList<string> Languages { get; init; } = [];
    public IReadOnlyList<string> Specialities { get; init; } = [];
    public IReadOnlyList<Contact> Contacts { get; init; } = [];
    public Restricted? RestrictedFields { get; init; }

    public IEnumerable<string> AllNames => Variants.Prepend(LatinName).Prepend(NativeName);
}

public sealed record Contact(string Kind, string Value);

/// <summary>Fields visible only inside the officer's own agency.</summary>
public sealed record Restricted(string PersonalPhone, string Clearance, string HomeUnit);

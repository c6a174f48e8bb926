using System.Text.RegularExpressions;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// The one rule for the ids of directory entries (officers, desks, senders, distribution lists) wherever they appear:
/// recipients, desks of accounts, account ids, forward permissions, rosters.
/// </summary>
public static partial class EntryIds
{
    public const string Rule = "3 to 64 characters: lower-case Latin letters, digits and '-', starting with a letter or digit.";
    public const string DeskPrefix = "desk:";
    public const string ListPrefix = "list:";
    public const string AddressRule = "An officer id, desk:ID or list:ID (ids of 3 to 64 lower-case Latin letters, digits and '-').";

    public static bool IsValid(string id) => Pattern().IsMatch(id);

    /// <summary>An officer id, "desk:" and a desk id, or "list:" and a distribution list id.</summary>
    public static bool IsAddress(string address) =>
        IsValid(address)
        || (address.StartsWith(DeskPrefix, StringComparison.Ordinal) && IsValid(address[DeskPrefix.Length..]))
        || (address.StartsWith(ListPrefix, StringComparison.Ordinal) && IsValid(address[ListPrefix.Length..]));

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,63}$")]
    private static partial Regex Pattern();
}

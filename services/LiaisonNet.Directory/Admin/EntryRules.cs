using System.Text.RegularExpressions;
using LiaisonNet.Directory.Duty;
using LiaisonNet.Directory.Model;
using LiaisonNet.Directory.Search;
using LiaisonNet.ServiceDefaults.Grpc;

namespace LiaisonNet.Directory.Admin;

/// <summary>One problem with one field of an entry.</summary>
public sealed record FieldProblem(string Field, string Message);

/// <summary>What a well-formed officer or desk entry looks like; the same rules for single edits and for every imported row.</summary>
public static partial class EntryRules
{
    public const int MaxName = 200;
    public const int MaxText = 500;
    public const int MaxList = 20;

    public static List<FieldProblem> Check(OfficerRecord officer, DirectoryIndex index)
    {
        var problems = new List<FieldProblem>();
        void Require(bool ok, string field, string message)
        {
            if (!ok)
            {
                problems.Add(new FieldProblem(field, message));
            }
        }

        Require(EntryIds.IsValid(officer.Id), "id", EntryIds.Rule);
        Require(index.FindSender(officer.Id) is null, "id", "The id of an automated sender; an officer needs another.");
        Require(officer.NativeName.Trim().Length is > 0 and <= MaxName, "native_name", $"Required, at most {MaxName} characters.");
        Require(officer.LatinName.Trim().Length is > 0 and <= MaxName, "latin_name", $"Required, at most {MaxName} characters.");
        Require(officer.Variants.Count <= MaxList && officer.Variants.All(v => v.Trim().Length is > 0 and <= MaxName), "name_variants", $"At most {MaxList}, each 1 to {MaxName} characters.");
        Require(officer.Rank.Length <= 100, "rank", "At most 100 characters.");
        Require(index.FindAgency(officer.Agency) is not null, "agency", "Not a known agency code.");
        Require(officer.Posting.Length <= MaxText, "posting", $"At most {MaxText} characters.");
        Require(officer.Centre is null || index.FindPlace(officer.Centre) is { } c && PlaceKinds.IsCentre(c.Kind), "centre", "Not a known centre id.");
        Require(officer.CrossingPoint is null || index.FindPlace(officer.CrossingPoint) is { Kind: PlaceKinds.CrossingPoint }, "crossing_point", "Not a known crossing point id.");
        Require(officer.Unit is null || index.FindUnit(officer.Unit) is { } u && u.Agency == officer.Agency, "unit", "A unit id of the officer's own agency.");
        Require(officer.Languages.Count <= MaxList && officer.Languages.All(l => LanguagePattern().IsMatch(l.Language) && LanguageSkill.Levels.Contains(l.Level)), "languages",
            $"ISO 639-1 codes, each with a level ({string.Join(", ", LanguageSkill.Levels)}).");
        Require(officer.Specialities.Count <= MaxList && officer.Specialities.All(s => s.Trim().Length is > 0 and <= 100), "specialities", $"At most {MaxList}, each 1 to 100 characters.");
        Require(officer.Contacts.Count <= MaxList && officer.Contacts.All(c => Contact.Kinds.Contains(c.Kind) && c.Value.Trim().Length is > 0 and <= 200), "contacts",
            $"Kinds {string.Join(", ", Contact.Kinds)}, each value 1 to 200 characters.");
        if (officer.RestrictedFields is { } restricted)
        {
            Require(restricted.PersonalPhone.Length <= 50, "personal_phone", "At most 50 characters.");
            Require(restricted.Clearance.Length <= 50, "clearance", "At most 50 characters.");
            Require(restricted.HomeUnit.Length <= MaxName, "home_unit", $"At most {MaxName} characters.");
        }

        return problems;
    }

    public static List<FieldProblem> Check(SenderRecord sender, DirectoryIndex index)
    {
        var problems = new List<FieldProblem>();
        void Require(bool ok, string field, string message)
        {
            if (!ok)
            {
                problems.Add(new FieldProblem(field, message));
            }
        }

        Require(EntryIds.IsValid(sender.Id), "id", $"The sender's client id: {EntryIds.Rule}");
        Require(index.Find(sender.Id) is null, "id", "The id of an officer; a sender needs its own.");
        Require(sender.Name.Trim().Length is > 0 and <= MaxName, "name", $"Required, at most {MaxName} characters.");
        Require(index.FindAgency(sender.Agency) is not null, "agency", "Not a known agency code.");
        Require(sender.Description.Length <= MaxText, "description", $"At most {MaxText} characters.");
        return problems;
    }

    public static List<FieldProblem> Check(DeskRecord desk, DirectoryIndex index, Func<string, OfficerRecord?> officer)
    {
        var problems = new List<FieldProblem>();
        void Require(bool ok, string field, string message)
        {
            if (!ok)
            {
                problems.Add(new FieldProblem(field, message));
            }
        }

        Require(EntryIds.IsValid(desk.Id), "id", EntryIds.Rule);
        Require(desk.Name.Trim().Length is > 0 and <= MaxName, "name", $"Required, at most {MaxName} characters.");
        Require(index.FindAgency(desk.Agency) is not null, "agency", "Not a known agency code.");
        Require(RosterClock.IsKnownZone(desk.TimeZone), "time_zone", "An IANA time zone, for example Asia/Kabul.");
        Require(desk.Centre is null || index.FindPlace(desk.Centre) is { } c && PlaceKinds.IsCentre(c.Kind), "centre", "Not a known centre id.");
        Require(desk.CrossingPoint is null || index.FindPlace(desk.CrossingPoint) is { Kind: PlaceKinds.CrossingPoint }, "crossing_point", "Not a known crossing point id.");
        Require(desk.Supervisor is null || officer(desk.Supervisor) is not null, "supervisor", "Not an officer in the directory.");
        Require(desk.EscalationDesk is null || desk.EscalationDesk != desk.Id && index.FindDesk(desk.EscalationDesk) is not null, "escalation_desk", "Another existing desk.");
        Require(desk.Roster.Count <= 50, "roster", "At most 50 shifts.");
        Require(desk.Contacts.Count <= MaxList && desk.Contacts.All(c => Contact.Kinds.Contains(c.Kind) && c.Value.Trim().Length is > 0 and <= 200), "contacts",
            $"At most {MaxList}; kinds {string.Join(", ", Contact.Kinds)}, each value 1 to 200 characters.");
        for (var i = 0; i < desk.Roster.Count; i++)
        {
            var shift = desk.Roster[i];
            Require(shift.Days.Count > 0 && shift.Days.All(d => ShiftRecord.DayNames.Contains(d)), $"roster[{i}].days", "One or more of mon, tue, wed, thu, fri, sat, sun.");
            Require(RosterClock.IsValidTime(shift.Start), $"roster[{i}].start", "A local time, HH:mm.");
            Require(RosterClock.IsValidTime(shift.End), $"roster[{i}].end", "A local time, HH:mm (at or before the start: the next day).");
            Require(officer(shift.Primary) is not null, $"roster[{i}].primary", "Not an officer in the directory.");
            Require(shift.Backup is null || officer(shift.Backup) is not null, $"roster[{i}].backup", "Not an officer in the directory.");
        }

        return problems;
    }

    [GeneratedRegex("^[a-z]{2}$")]
    private static partial Regex LanguagePattern();
}

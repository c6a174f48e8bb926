using System.Globalization;
using LiaisonNet.Directory.Model;
using NodaTime;
using NodaTime.Text;

namespace LiaisonNet.Directory.Duty;

/// <summary>One occurrence of a rostered shift at a desk, with the desk's local time at the moment asked.</summary>
public sealed record DutyNow(ShiftRecord Shift, Instant Started, Instant Ends, ZonedDateTime LocalNow);

/// <summary>
/// Reads rosters in each desk's own time zone (half-hour offsets such as Asia/Kabul included): a shift that starts on a
/// given local day and time and runs to its end, the next day when the end is not after the start.
/// </summary>
public static class RosterClock
{
    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");

    public static bool IsValidTime(string text) => TimePattern.Parse(text).Success;

    public static bool IsKnownZone(string zone) => DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is not null;

    /// <summary>The shift covering <paramref name="now"/>, or null when nobody is rostered.</summary>
    public static DutyNow? OnDuty(DeskRecord desk, Instant now)
    {
        // A shift covering now started today or yesterday (shifts are at most 24 hours long); the latest-starting one
        // wins where two overlap (a handover).
        return Occurrences(desk, now, fromDay: -1, toDay: 0)
            .Where(d => d.Started <= now && now < d.Ends)
            .MaxBy(d => d.Started);
    }

    /// <summary>
    /// The next shift to start after <paramref name="now"/> within the coming week: who takes over at the next change,
    /// or null when the roster has nothing ahead.
    /// </summary>
    public static DutyNow? Next(DeskRecord desk, Instant now) =>
        Occurrences(desk, now, fromDay: 0, toDay: 7)
            .Where(d => d.Started > now)
            .MinBy(d => d.Started);

    private static IEnumerable<DutyNow> Occurrences(DeskRecord desk, Instant now, int fromDay, int toDay)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(desk.TimeZone) ?? throw new InvalidOperationException($"Unknown time zone {desk.TimeZone}.");
        var local = now.InZone(zone);
        for (var offset = fromDay; offset <= toDay; offset++)
        {
            var startDay = local.Date.PlusDays(offset);
            var dayName = ShiftRecord.DayNames[(int)startDay.DayOfWeek - 1];
            foreach (var shift in desk.Roster.Where(s => s.Days.Contains(dayName, StringComparer.Ordinal)))
            {
                var startTime = TimePattern.Parse(shift.Start).Value;
                var endTime = TimePattern.Parse(shift.End).Value;
                var start = (startDay + startTime).InZoneLeniently(zone).ToInstant();
                var end = (endTime > startTime ? startDay + endTime : startDay.PlusDays(1) + endTime).InZoneLeniently(zone).ToInstant();
                yield return new DutyNow(shift, start, end, local);
            }
        }
    }

    public static string Format(ZonedDateTime local) =>
        local.ToString("uuuu'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture) + local.Offset.ToString("m", CultureInfo.InvariantCulture);
}

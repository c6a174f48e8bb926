using System.Globalization;
using LiaisonNet.Directory.Model;
using NodaTime;
using NodaTime.Text;

namespace LiaisonNet.Directory.Duty;

/// <summary>Who is on duty at a desk at a moment.</summary>
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
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(desk.TimeZone) ?? throw new InvalidOperationException($"Unknown time zone {desk.TimeZone}.");
        var local = now.InZone(zone);
        DutyNow? found = null;
        // A shift covering now started today or yesterday (shifts are at most 24 hours long).
        foreach (var startDay in new[] { local.Date.PlusDays(-1), local.Date })
        {
            var dayName = ShiftRecord.DayNames[(int)startDay.DayOfWeek - 1];
            foreach (var shift in desk.Roster)
            {
                if (!shift.Days.Contains(dayName, StringComparer.Ordinal))
                {
                    continue;
                }

                var startTime = TimePattern.Parse(shift.Start).Value;
                var endTime = TimePattern.Parse(shift.End).Value;
                var start = (startDay + startTime).InZoneLeniently(zone).ToInstant();
                var end = (endTime > startTime ? startDay + endTime : startDay.PlusDays(1) + endTime).InZoneLeniently(zone).ToInstant();
                // The latest-starting shift wins where two overlap (a handover).
                if (start <= now && now < end && (found is null || start > found.Started))
                {
                    found = new DutyNow(shift, start, end, local);
                }
            }
        }

        return found;
    }

    public static string Format(ZonedDateTime local) =>
        local.ToString("uuuu'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture) + local.Offset.ToString("m", CultureInfo.InvariantCulture);
}

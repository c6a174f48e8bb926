using LiaisonNet.Directory.Duty;
using LiaisonNet.Directory.Model;
using LiaisonNet.Directory.Seed;
using NodaTime;

namespace LiaisonNet.Directory.Tests;

/// <summary>Rosters read in each desk's own time zone: Kabul (UTC+4:30), Ashgabat (UTC+5), Bishkek (UTC+6).</summary>
public sealed class OnDutyTests
{
    [Theory]
    // Kabul: day 08:00-20:00 Ahmadi, night 20:00-08:00 Noori. 03:29 UTC is 07:59 in Kabul.
    [InlineData("af-bp-sher-khan-desk", "2026-11-24T03:29:00Z", "af-bp-noori", "af-bp-ahmadi")]
    [InlineData("af-bp-sher-khan-desk", "2026-11-24T03:30:00Z", "af-bp-ahmadi", "af-bp-noori")]
    [InlineData("af-bp-sher-khan-desk", "2026-11-24T15:29:59Z", "af-bp-ahmadi", "af-bp-noori")]
    [InlineData("af-bp-sher-khan-desk", "2026-11-24T15:30:00Z", "af-bp-noori", "af-bp-ahmadi")]
    [InlineData("af-bp-sher-khan-desk", "2026-11-24T20:30:00Z", "af-bp-noori", "af-bp-ahmadi")]
    // Ashgabat: weekdays 09:00-18:00 only. Tuesday 04:00 UTC is 09:00.
    [InlineData("tm-bs-ashgabat-desk", "2026-11-24T04:00:00Z", "tm-bs-orazov", "tm-bs-berdiyev")]
    [InlineData("tm-bs-ashgabat-desk", "2026-11-24T12:59:59Z", "tm-bs-orazov", "tm-bs-berdiyev")]
    [InlineData("tm-bs-ashgabat-desk", "2026-11-24T13:00:00Z", null, null)]
    [InlineData("tm-bs-ashgabat-desk", "2026-11-24T03:59:00Z", null, null)]
    [InlineData("tm-bs-ashgabat-desk", "2026-11-28T06:00:00Z", null, null)]
    // Bishkek: 06-14 Asanov, 14-22 Mamytov, 22-06 Sydykov (across midnight). 16:00 UTC is 22:00.
    [InlineData("kg-bs-dostuk-desk", "2026-11-24T15:59:00Z", "kg-bs-mamytov", "kg-bs-asanov")]
    [InlineData("kg-bs-dostuk-desk", "2026-11-24T16:00:00Z", "kg-bs-sydykov", "kg-bs-asanov")]
    [InlineData("kg-bs-dostuk-desk", "2026-11-24T18:00:00Z", "kg-bs-sydykov", "kg-bs-asanov")]
    [InlineData("kg-bs-dostuk-desk", "2026-11-24T23:59:00Z", "kg-bs-sydykov", "kg-bs-asanov")]
    [InlineData("kg-bs-dostuk-desk", "2026-11-25T00:00:00Z", "kg-bs-asanov", "kg-bs-mamytov")]
    public void TheRightOfficersAreOnDuty(string deskId, string utc, string? primary, string? backup)
    {
        var desk = DemoDirectory.Desks.Single(d => d.Id == deskId);
        var duty = RosterClock.OnDuty(desk, NodaTime.Text.InstantPattern.General.Parse(utc).Value);
        Assert.Equal(primary, duty?.Shift.Primary);
        Assert.Equal(backup, duty?.Shift.Backup);
    }

    [Fact]
    public void AShiftStartingSundayNightCoversMondayMorningOnly()
    {
        var desk = new DeskRecord
        {
            Id = "test-desk", Name = "Test", Agency = "AF-BP", Country = "AF", TimeZone = "Asia/Kabul",
            Roster = [new ShiftRecord(["sun"], "22:00", "06:00", "af-bp-noori", null)],
        };
        // Monday 2026-11-23 03:00 in Kabul is Sunday 22:30 UTC.
        Assert.Equal("af-bp-noori", RosterClock.OnDuty(desk, Instant.FromUtc(2026, 11, 22, 22, 30))?.Shift.Primary);
        // Monday 06:00 in Kabul: the shift has ended.
        Assert.Null(RosterClock.OnDuty(desk, Instant.FromUtc(2026, 11, 23, 1, 30)));
        // Sunday 03:00 in Kabul: the Saturday night is not rostered.
        Assert.Null(RosterClock.OnDuty(desk, Instant.FromUtc(2026, 11, 21, 22, 30)));
        var started = RosterClock.OnDuty(desk, Instant.FromUtc(2026, 11, 22, 22, 30))!;
        Assert.Equal(Instant.FromUtc(2026, 11, 22, 17, 30), started.Started);
        Assert.Equal(Instant.FromUtc(2026, 11, 23, 1, 30), started.Ends);
        Assert.Equal("2026-11-23T03:00:00+04:30", RosterClock.Format(started.LocalNow));
    }

    [Fact]
    public void ATwentyFourHourShiftCoversTheWholeDay()
    {
        var desk = DemoDirectory.Desks.Single(d => d.Id == "af-bp-national-desk");
        for (var hour = 0; hour < 48; hour += 5)
        {
            Assert.Equal("af-bp-stanekzai", RosterClock.OnDuty(desk, Instant.FromUtc(2026, 11, 24, 0, 0).Plus(Duration.FromHours(hour)))?.Shift.Primary);
        }
    }

    [Theory]
    // Kabul: at 07:59 local the night shift hands over to Ahmadi at 08:00 (03:30 UTC), the same day.
    [InlineData("af-bp-sher-khan-desk", "2026-11-24T03:29:00Z", "af-bp-ahmadi", "2026-11-24T03:30:00Z")]
    // Ashgabat, Friday after hours (13:00 UTC is 18:00): nobody until Monday 09:00 local, 04:00 UTC.
    [InlineData("tm-bs-ashgabat-desk", "2026-11-27T13:00:00Z", "tm-bs-orazov", "2026-11-30T04:00:00Z")]
    // Bishkek at 21:59 local: Sydykov takes the night at 22:00.
    [InlineData("kg-bs-dostuk-desk", "2026-11-24T15:59:00Z", "kg-bs-sydykov", "2026-11-24T16:00:00Z")]
    public void TheNextShiftIsWhoTakesOverAndWhen(string deskId, string utc, string primary, string starts)
    {
        var desk = DemoDirectory.Desks.Single(d => d.Id == deskId);
        var next = RosterClock.Next(desk, NodaTime.Text.InstantPattern.General.Parse(utc).Value);
        Assert.Equal(primary, next?.Shift.Primary);
        Assert.Equal(NodaTime.Text.InstantPattern.General.Parse(starts).Value, next?.Started);
    }

    [Fact]
    public void ADeskWithNoRosterHasNoNextShift()
    {
        var desk = new DeskRecord { Id = "test-desk", Name = "Test", Agency = "AF-BP", Country = "AF", TimeZone = "Asia/Kabul", Roster = [] };
        Assert.Null(RosterClock.Next(desk, Instant.FromUtc(2026, 11, 24, 0, 0)));
    }
}

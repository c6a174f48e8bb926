using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Seed;
using NodaTime;

namespace LiaisonNet.Directory.Tests;

/// <summary>Search over the demo directory, in process: the same index the service answers from.</summary>
public sealed class SearchTests
{
    private static readonly DirectoryIndex Index = CreateIndex();
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 6, 0);

    [Theory]
    [InlineData("Саттарханов")]
    [InlineData("Sattarkhanov")]
    [InlineData("Sattarkanov")]
    [InlineData("Sattarhanov")]
    [InlineData("Sattarxanov")]
    // Each with one typo.
    [InlineData("Саттарханав")]
    [InlineData("Sattarkhonov")]
    [InlineData("Satarkanov")]
    [InlineData("Sattarhanow")]
    public void SpellingsOfSattarkhanovFindHimFirst(string query) => Assert.Equal("kz-bs-sattarkhanov", First(query));

    [Theory]
    [InlineData("Ашгабат")]
    [InlineData("Ashgabat")]
    [InlineData("Asgabat")]
    [InlineData("Aşgabat")]
    [InlineData("Ашхабад")]
    // Each with one typo.
    [InlineData("Ашгобат")]
    [InlineData("Ashgabad")]
    [InlineData("Asgabbat")]
    public void SpellingsOfAshgabatFindItsCentresOfficers(string query) =>
        Assert.Contains(Search(query), h => h.Officer.Id == "tm-bs-orazov");

    [Theory]
    [InlineData("Ғабдуллин Қайрат")]
    [InlineData("Ghabdullin Qairat")]
    [InlineData("Gabdullin Kairat")]
    [InlineData("Gabdullin Zhanabaiuly")]
    [InlineData("Ghabdullin Zhangabayuly")]
    // Each with one typo.
    [InlineData("Ғабдулин Қайрат")]
    [InlineData("Ghabdullin Qajrat")]
    [InlineData("Gabdulkin Kairat")]
    public void KazakhLettersWrittenQGhNgOrKGNMeet(string query) => Assert.Equal("kz-bs-ghabdullin", First(query));

    [Theory]
    [InlineData("Жураев Жамшид")]
    [InlineData("Juraev Jamshid")]
    [InlineData("Jo‘rayev Jamshid")]
    [InlineData("Zhuraev Dzhamshid")]
    // Each with one typo.
    [InlineData("Juraev Jamhid")]
    [InlineData("Jurayev Jamsid")]
    public void UzbekJForZhMeets(string query) => Assert.Equal("uz-bs-juraev", First(query));

    [Theory]
    [InlineData("احمدی", "af-bp-ahmadi")]
    [InlineData("Ahmadi Najib", "af-bp-ahmadi")]
    [InlineData("Akhmadi", "af-bp-ahmadi")]
    [InlineData("نوری", "af-bp-noori")]
    [InlineData("Nuri Abdulla", "af-bp-noori")]
    [InlineData("ستانکزی", "af-bp-stanekzai")]
    [InlineData("Stanakzai", "af-bp-stanekzai")]
    public void PersoArabicNamesMeetTheirLatinForms(string query, string id) => Assert.Equal(id, First(query));

    [Theory]
    [InlineData("Khorgos customs", "kz-cus-zhaksylykova")]
    [InlineData("Хоргос Жақсылықова", "kz-cus-zhaksylykova")]
    [InlineData("CARICC narcotics", "kz-pol-baizhanov")]
    [InlineData("Шерхан Бандар", "af-bp-ahmadi")]
    [InlineData("Panji Poyon", "tj-dca-rahimov")]
    public void OneQueryMatchesAgenciesCentresCrossingPointsAndSpecialities(string query, string id) =>
        Assert.Contains(Search(query), h => h.Officer.Id == id);

    [Theory]
    [InlineData("Osh detachment Asanov")]
    [InlineData("Ош чек ара")]
    [InlineData("Osh Border Detachment")]
    public void TheHomeUnitMatchesOnlyForASearcherOfTheOfficersCountry(string query)
    {
        Assert.Contains(Search(query, new SearchFilter(ViewerCountry: "KG")), h => h.Officer.Id == "kg-bs-asanov");
        Assert.DoesNotContain(Search(query, new SearchFilter(ViewerCountry: "UZ")), h => h.Officer.Id == "kg-bs-asanov");
        Assert.DoesNotContain(Search(query), h => h.Officer.Id == "kg-bs-asanov");
    }

    [Fact]
    public void AWordOfTheHomeUnitThatIsAlsoPublicStillMatchesEveryone() =>
        // "Border" is in the public agency name of the Kyrgyz Border Service as well as in the unit's.
        Assert.Contains(Search("Asanov Border", new SearchFilter(ViewerCountry: "UZ")), h => h.Officer.Id == "kg-bs-asanov");

    [Fact]
    public void ExactRanksBeforeVariantBeforeFuzzy()
    {
        Assert.Equal(MatchQuality.Exact, Search("Sattarkhanov")[0].Quality);
        Assert.Equal(MatchQuality.Exact, Search("Саттарханов")[0].Quality);
        Assert.Equal(MatchQuality.Variant, Search("Sattarhanov")[0].Quality);
        Assert.Equal(MatchQuality.Fuzzy, Search("Sattarkhonov")[0].Quality);
    }

    [Fact]
    public void FiltersNarrowTheResults()
    {
        Assert.All(Search("narcotics", new SearchFilter(Country: "TJ")), h => Assert.Equal("TJ", h.Officer.Country));
        Assert.Equal(["af-cnpa-karimi", "kz-pol-baizhanov", "tj-dca-rahimov", "uz-cus-khodjaev"],
            Search("narcotics", new SearchFilter(Speciality: "Narcotics")).Select(h => h.Officer.Id).Order());
        Assert.All(Search("migration", new SearchFilter(Language: "fa")), h => Assert.Contains(h.Officer.Languages, l => l.Language == "fa"));
        Assert.Equal(["kg-bs-asanov", "kg-bs-mamytov", "uz-bs-qodirov"], Search("migration", new SearchFilter(CrossingPoint: "dostuk")).Select(h => h.Officer.Id).Order());
        Assert.Empty(Search("Zzyzxqwv"));
        Assert.Empty(Search("Sattarkhanov", new SearchFilter(Agency: "UZ-CUS")));
    }

    [Fact]
    public void OnDutyNowAndOnDutyFirst()
    {
        // 06:00 UTC is 11:00 in Kabul, 12:00 in Bishkek, 11:00 in Ashgabat on a Tuesday.
        var onDuty = Search("Border", new SearchFilter(OnDutyNow: true)).Select(h => h.Officer.Id).ToList();
        Assert.Contains("af-bp-ahmadi", onDuty);
        Assert.Contains("af-bp-noori", onDuty);
        Assert.Contains("tm-bs-orazov", onDuty);
        Assert.Contains("kg-bs-asanov", onDuty);
        Assert.DoesNotContain("kg-bs-sydykov", onDuty);

        var first = Search("Dostuk", new SearchFilter(OnDutyFirst: true));
        var firstOff = first.FindIndex(h => h.OnDutyAt.Count == 0);
        Assert.True(firstOff > 0);
        Assert.All(first.Skip(firstOff), h => Assert.Empty(h.OnDutyAt));
        Assert.Equal(["kg-bs-dostuk-desk"], first[0].OnDutyAt);
    }

    private static string First(string query) => Search(query)[0].Officer.Id;

    private static List<SearchHit> Search(string query, SearchFilter? filter = null) => [.. Index.Search(query, filter ?? new SearchFilter(), Now, 500)];

    private static DirectoryIndex CreateIndex()
    {
        var index = new DirectoryIndex();
        index.Load(DemoDirectory.Officers, DemoDirectory.Desks, DemoDirectory.Places, DemoDirectory.Agencies, DemoDirectory.Units);
        return index;
    }
}

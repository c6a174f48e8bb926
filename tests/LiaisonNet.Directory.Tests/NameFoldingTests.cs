using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Seed;

namespace LiaisonNet.Directory.Tests;

public sealed class NameFoldingTests
{
    private static readonly OfficerIndex Index = CreateIndex();

    [Theory]
    [InlineData("Саттарханов")]
    [InlineData("Sattarkhanov")]
    [InlineData("Sattarkanov")]
    [InlineData("Sattarhanov")]
    [InlineData("Sattarxanov")]
    [InlineData("Satarkhanov")]
    public void SpellingsOfSattarkhanovFindHim(string query) => Assert.Equal("kz-bs-sattarkhanov", Index.Search(query, new SearchFilter(null, null))[0].Officer.Id);

    [Theory]
    [InlineData("Ходжаев")]
    [InlineData("Khodzhaev")]
    [InlineData("Khodjaev")]
    [InlineData("Xo'jayev")]
    [InlineData("Hojaev")]
    public void LatinAndCyrillicSpellingsOfAnUzbekNameMeet(string query) => Assert.Equal("uz-cus-khodjaev", Index.Search(query, new SearchFilter(null, null))[0].Officer.Id);

    [Theory]
    [InlineData("Ашгабат")]
    [InlineData("Ashgabat")]
    [InlineData("Asgabat")]
    public void PlaceNamesMatchAcrossScripts(string query) => Assert.Contains(Index.Search(query, new SearchFilter(null, null)), h => h.Officer.Id == "tm-bs-orazov");

    [Theory]
    [InlineData("Қасымов", "kz-bs-qasymov")]
    [InlineData("Kasymov", "kz-bs-qasymov")]
    [InlineData("Jurayev", "uz-bs-juraev")]
    [InlineData("Zhuraev", "uz-bs-juraev")]
    public void KazakhAndUzbekLettersFoldToTheSameSkeleton(string query, string id) => Assert.Equal(id, Index.Search(query, new SearchFilter(null, null))[0].Officer.Id);

    [Fact]
    public void ExactMatchesRankBeforeVariantsAndFuzzyOnes()
    {
        Assert.Equal(MatchQuality.Exact, Index.Search("Sattarkhanov", new SearchFilter(null, null))[0].Quality);
        Assert.Equal(MatchQuality.Exact, Index.Search("Саттарханов", new SearchFilter(null, null))[0].Quality);
        Assert.Equal(MatchQuality.Variant, Index.Search("Sattarhanov", new SearchFilter(null, null))[0].Quality);
        Assert.Equal(MatchQuality.Fuzzy, Index.Search("Sattarkanov", new SearchFilter(null, null))[0].Quality);
    }

    [Fact]
    public void FiltersByCountryAndUnrelatedQueriesFindNobody()
    {
        Assert.All(Index.Search("narcotics", new SearchFilter("TJ", null)), h => Assert.Equal("TJ", h.Officer.Country));
        Assert.Empty(Index.Search("Zzyzxqwv", new SearchFilter(null, null)));
    }

    private static OfficerIndex CreateIndex()
    {
        var index = new OfficerIndex();
        index.Load(DemoDirectory.Officers);
        return index;
    }
}

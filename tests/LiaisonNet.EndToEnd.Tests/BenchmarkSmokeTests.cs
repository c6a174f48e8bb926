using LiaisonNet.Benchmarks;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>The benchmark harness at tiny sizes, so that it keeps working; its figures are not judged here.</summary>
// One storage only: the harness is kept working here; its storage figures come from its own runs.
[Trait("Storage", "Either")]
public sealed class BenchmarkSmokeTests
{
    [Fact]
    public async Task TheHarnessMeasuresEverySectionAndWritesItsTable()
    {
        var report = await Harness.RunAsync(HarnessOptions.Quick, "quick");

        foreach (var section in new[] { "baseline", "directory", "relay", "audit", "memory", "connections" })
        {
            Assert.Contains(report.Figures, f => f.Section == section);
        }

        Assert.All(report.Figures, f => Assert.True(double.IsFinite(f.Value), $"{f.Section} / {f.Name} = {f.Value}"));
        // Rates, counts and latencies are positive; a memory difference at these tiny sizes is noise and may be either sign.
        Assert.All(report.Figures.Where(f => f.Section != "memory" && f.Section != "connections"), f => Assert.True(f.Value >= 0, $"{f.Section} / {f.Name} = {f.Value}"));
        Assert.True(report.Get("relay", "pushes received").Value > 99);
        Assert.True(report.Get("directory", "typo queries that find their officer or a namesake").Value > 90);
        Assert.True(report.Get("connections", "idle SignalR connections held by one gateway").Value == HarnessOptions.Quick.IdleConnections);
        Assert.Contains("| relay | durable sends |", report.Table(), StringComparison.Ordinal);
        Assert.Contains("\"figures\"", report.ToJson(), StringComparison.Ordinal);
    }
}

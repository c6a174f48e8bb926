using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Hosting;

namespace LiaisonNet.EndToEnd.Tests;

// One storage only: the banner does not touch storage.
[Trait("Storage", "Either")]
public sealed class HostBannerTests
{
    [Fact]
    public async Task TheBannerPrintsTheAddressesTheHostReallyListensOn()
    {
        var data = Path.Combine(Path.GetTempPath(), "liaisonnet-tests", Guid.NewGuid().ToString("n"));
        // Bound by the server itself (port 0); the others as a person would set them on the command line.
        string[] args =
        [
            "--data", data, "--Liaison:Urls:Gateway=http://127.0.0.1:0", "--Liaison:Urls:Identity=http://127.0.0.1:0", "--Liaison:Urls:IdentityAdmin=http://127.0.0.1:0",
        ];
        await using var host = await EmbeddedHost.StartAsync(args, new Dictionary<string, string?>
        {
            ["Host:Exclude"] = "Directory,Relay,Audit", ["Identity:SeedDemoData"] = "false", ["Logging:LogLevel:Default"] = "Error",
        });
        var gateway = Assert.Single(host.ListeningOn(ServiceKind.Gateway));
        Assert.StartsWith("http://127.0.0.1:", gateway, StringComparison.Ordinal);
        Assert.NotEqual("http://127.0.0.1:0", gateway);

        var banner = new StringWriter();
        host.PrintWelcome(banner);
        Assert.Contains($"Open  {gateway}/", banner.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("5080", banner.ToString(), StringComparison.Ordinal);
        Assert.Contains(host.ListeningOn(ServiceKind.Identity)[0], banner.ToString(), StringComparison.Ordinal);
        Assert.Contains($"SQLite under {Path.GetFullPath(data)}", banner.ToString(), StringComparison.Ordinal);
    }
}

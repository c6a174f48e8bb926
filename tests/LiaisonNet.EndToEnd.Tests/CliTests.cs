using System.Diagnostics;
using System.Text.Json;
using LiaisonNet.Host;
using LiaisonNet.TestKit;
using Xunit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>The real <c>liaison</c> process against the running system: sign-in by device code, the directory, errors and exit codes.</summary>
public sealed class CliTests(SystemFixture fixture) : IClassFixture<SystemFixture>, IDisposable
{
    private readonly string _config = System.IO.Directory.CreateTempSubdirectory("liaison-cli-").FullName;

    private RunningSystem Running => fixture.System;

    [Fact]
    public async Task LoginByDeviceCodeApprovedOnTheSignInPageThenWhoamiSearchAndLogout()
    {
        var tokenFile = Path.Combine(_config, "session.json");
        var (exit, output, error) = await LoginAsync("sattarkhanov");
        Assert.True(exit == 0, $"login exited with {exit}: {error}");
        Assert.Contains("signed in as", output, StringComparison.Ordinal);
        Assert.Contains("(KZ-BS, KZ)", output, StringComparison.Ordinal);
        Assert.True(File.Exists(tokenFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }

        var kept = JsonDocument.Parse(await File.ReadAllTextAsync(tokenFile)).RootElement;
        Assert.DoesNotContain(kept.GetProperty("AccessToken").GetString()!, output, StringComparison.Ordinal);

        // whoami --json: the field names are the tool's contract.
        var whoami = await RunAsync("whoami", "--json");
        Assert.Equal(0, whoami.Exit);
        var me = JsonDocument.Parse(whoami.Output).RootElement;
        Assert.Equal(["subject", "name", "agency", "country", "roles", "server", "expiresAt"], me.EnumerateObject().Select(p => p.Name));
        Assert.Equal("kz-bs-sattarkhanov", me.GetProperty("subject").GetString());
        Assert.Equal("KZ-BS", me.GetProperty("agency").GetString());
        Assert.Contains("officer", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain(kept.GetProperty("AccessToken").GetString()!, whoami.Output, StringComparison.Ordinal);

        // The same officer by the Cyrillic name on record and by a romanisation that is on no record.
        foreach (var query in new[] { "Ходжаев", "Khodzhaev" })
        {
            var search = await RunAsync("search", query, "--json");
            Assert.True(search.Exit == 0, search.Error);
            var officers = JsonDocument.Parse(search.Output).RootElement.EnumerateArray().ToList();
            var khodjaev = Assert.Single(officers, o => o.GetProperty("id").GetString() == "uz-cus-khodjaev");
            Assert.Equal(["id", "name", "latinName", "rank", "country", "agency", "posting", "languages", "onDutyAt"], khodjaev.EnumerateObject().Select(p => p.Name));
            Assert.StartsWith("Ходжаев", khodjaev.GetProperty("name").GetString(), StringComparison.Ordinal);
        }

        // The table: Cyrillic names in aligned columns.
        var table = await RunAsync("search", "Khodzhaev");
        Assert.Equal(0, table.Exit);
        var lines = table.Output.Split('\n').Where(l => l.Contains("uz-cus-khodjaev", StringComparison.Ordinal) || l.TrimStart().StartsWith("id ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 2, table.Output);
        Assert.Equal(lines[0].IndexOf("name", StringComparison.Ordinal), lines[1].IndexOf("Ходжаев", StringComparison.Ordinal));

        // A value the directory refuses: one sentence naming the field, its exit code.
        var tooShort = await RunAsync("search", "x");
        Assert.Equal(5, tooShort.Exit);
        Assert.Contains("query", tooShort.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", tooShort.Error, StringComparison.Ordinal);

        // Desks: the list, and one desk's roster in its own zone (Kabul, UTC+4:30) and the caller's.
        var desks = await RunAsync("desks", "--country", "AF", "--json");
        Assert.True(desks.Exit == 0, desks.Error);
        var afghan = JsonDocument.Parse(desks.Output).RootElement.EnumerateArray().ToList();
        Assert.Contains(afghan, d => d.GetProperty("id").GetString() == "af-bp-sher-khan-desk");
        Assert.All(afghan, d => Assert.Equal("AF", d.GetProperty("country").GetString()));
        var sherKhan = await RunAsync("desk", "af-bp-sher-khan-desk", "--json");
        Assert.True(sherKhan.Exit == 0, sherKhan.Error);
        var detail = JsonDocument.Parse(sherKhan.Output).RootElement;
        Assert.Equal("Asia/Kabul", detail.GetProperty("desk").GetProperty("timeZone").GetString());
        var shift = detail.GetProperty("roster").EnumerateArray().First();
        Assert.Equal(["days", "deskTime", "yourTime", "primary", "backup"], shift.EnumerateObject().Select(p => p.Name));
        Assert.NotEqual("", shift.GetProperty("yourTime").GetString());
        var missing = await RunAsync("desk", "af-bp-no-such-desk");
        Assert.Equal(4, missing.Exit);

        var logout = await RunAsync("logout");
        Assert.Equal(0, logout.Exit);
        Assert.False(File.Exists(tokenFile));
        var afterwards = await RunAsync("search", "Khodzhaev");
        Assert.Equal(2, afterwards.Exit);
        Assert.Contains("liaison login", afterwards.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutASignInEveryCommandSaysSoInOneSentence()
    {
        foreach (var command in new[] { new[] { "whoami" }, ["search", "Ходжаев"], ["search", "Ходжаев", "--json"] })
        {
            var run = await RunAsync(command);
            Assert.Equal(2, run.Exit);
            Assert.Equal("", run.Output);
            Assert.Single(run.Error.Trim().Split('\n'));
            Assert.Contains("not signed in", run.Error, StringComparison.Ordinal);
        }

        var unknown = await RunAsync("search");
        Assert.Equal(1, unknown.Exit);
    }

    [Fact]
    public async Task EveryCommandHasHelpWithAnExample()
    {
        foreach (var command in new[] { "login", "logout", "whoami", "search", "desks", "desk" })
        {
            var help = await RunAsync(command, "--help");
            Assert.Equal(0, help.Exit);
            Assert.Contains("Example: liaison " + command, help.Output, StringComparison.Ordinal);
        }

        var root = await RunAsync("--help");
        Assert.Contains("Exit codes:", root.Output, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> LoginAsync(string user)
    {
        using var process = Start(["login"]);
        var output = new System.Text.StringBuilder();
        var link = new TaskCompletionSource<Uri>();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line.Data);
            }

            if (line.Data.StartsWith("Open ", StringComparison.Ordinal))
            {
                link.TrySetResult(new Uri(line.Data["Open ".Length..].Trim()));
            }
        };
        var error = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, line) => error.AppendLine(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // The officer approves the code on another device: the sign-in page, then the confirmation.
        using var browser = new FormBrowser();
        var verification = await link.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var confirm = await browser.SignInAsync(await browser.GetAsync(verification), user, HostSecrets.DemoPassword);
        await browser.SubmitAsync(confirm, "/connect/verify", new Dictionary<string, string> { ["user_code"] = confirm.Field("user_code"), ["decision"] = "approve" });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        lock (output)
        {
            return (process.ExitCode, output.ToString(), error.ToString());
        }
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The built tool, run as a user would, with this test's own profile folder and server.</summary>
    private Process Start(IEnumerable<string> arguments)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var tool = Path.Combine(ServiceProcess.RepositoryRoot(), "clients", "LiaisonNet.Cli", "bin", configuration, "net10.0", "liaison.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(tool);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LIAISON_CONFIG_DIR"] = _config;
        start.Environment["LIAISON_SERVER"] = Running.Urls.Gateway;
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start liaison.");
    }

    public void Dispose() => System.IO.Directory.Delete(_config, recursive: true);
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LiaisonNet.Host;
using LiaisonNet.TestKit;
using Xunit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// One user's terminal: the built <c>liaison</c> tool run as a real process, with its own profile folder and the
/// system's gateway as its server. Everything it prints is kept, to check that no token ever appears in it.
/// </summary>
public sealed class CliTerminal(string config, string server, IReadOnlyDictionary<string, string>? environment = null)
{
    private readonly List<string> _printed = [];

    public string Config => config;

    public string TokenFile => Path.Combine(config, "session.json");

    public IReadOnlyList<string> Printed
    {
        get
        {
            lock (_printed)
            {
                return [.. _printed];
            }
        }
    }

    /// <summary>The same profile with more environment (a service reached by another address, for example).</summary>
    public CliTerminal With(IReadOnlyDictionary<string, string> more) => new(config, server, more);

    /// <summary><c>liaison login</c>, the code approved on the sign-in page as <paramref name="user"/>.</summary>
    public async Task<(int Exit, string Output, string Error)> LoginAsync(string user, params string[] more)
    {
        using var process = Start(["login", .. more]);
        var output = new StringBuilder();
        var error = new StringBuilder();
        var link = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line, StringBuilder into)
        {
            if (line is null)
            {
                return;
            }

            lock (into)
            {
                into.AppendLine(line);
            }

            if (line.StartsWith("Open ", StringComparison.Ordinal))
            {
                link.TrySetResult(new Uri(line["Open ".Length..].Trim()));
            }
        }

        process.OutputDataReceived += (_, line) => Read(line.Data, output);
        process.ErrorDataReceived += (_, line) => Read(line.Data, error);
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
            Keep(output.ToString(), error.ToString());
            return (process.ExitCode, output.ToString(), error.ToString());
        }
    }

    /// <summary>Signs in, and fails the test if that did not work.</summary>
    public async Task<CliTerminal> SignedInAsAsync(string user)
    {
        var (exit, _, error) = await LoginAsync(user);
        Assert.True(exit == 0, $"login as {user} exited with {exit}: {error}");
        return this;
    }

    public async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(deadline.Token);
        Keep(await output, await error);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command with <c>--json</c>, requires success, and parses what it printed.</summary>
    public async Task<JsonElement> JsonAsync(params string[] arguments)
    {
        var (exit, output, error) = await RunAsync([.. arguments, "--json"]);
        Assert.True(exit == 0, $"liaison {string.Join(' ', arguments)} exited with {exit}: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>The built tool, started as a user would start it.</summary>
    public Process Start(IEnumerable<string> arguments)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var tool = Path.Combine(ServiceProcess.RepositoryRoot(), "clients", "LiaisonNet.Cli", "bin", configuration, "net10.0", "liaison.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(tool);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LIAISON_CONFIG_DIR"] = config;
        start.Environment["LIAISON_SERVER"] = server;
        start.Environment["COLUMNS"] = "250";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start liaison.");
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Asserts that nothing the tool printed holds a token kept in the profile.</summary>
    public void AssertNoTokenPrinted()
    {
        if (!File.Exists(TokenFile))
        {
            return;
        }

        var kept = JsonDocument.Parse(File.ReadAllText(TokenFile)).RootElement;
        foreach (var name in new[] { "AccessToken", "RefreshToken" })
        {
            if (kept.TryGetProperty(name, out var token) && token.GetString() is { Length: > 0 } value)
            {
                Assert.All(Printed, text => Assert.DoesNotContain(value, text, StringComparison.Ordinal));
            }
        }
    }

    private void Keep(string output, string error)
    {
        lock (_printed)
        {
            _printed.Add(output);
            _printed.Add(error);
        }
    }
}

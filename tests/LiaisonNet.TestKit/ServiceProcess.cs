using System.Diagnostics;
using LiaisonNet.ServiceDefaults.Hosting;

namespace LiaisonNet.TestKit;

/// <summary>
/// One LiaisonNet service run as a process of its own (its built DLL under services/), configured like the embedded
/// ones and serving on a socket the test holds, so that a test can kill it with SIGKILL and start it again on the same
/// port at once (connections made meanwhile wait in the socket's queue).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly Uri _url;
    private readonly ServiceKind _kind;
    private readonly LoopbackListener _listener;
    private Process? _process;

    public ServiceProcess(ServiceKind kind, IReadOnlyDictionary<string, string?> settings, ServiceUrls urls, LoopbackListener listener)
    {
        _kind = kind;
        _listener = listener;
        var name = $"LiaisonNet.{kind}";
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(RepositoryRoot(), "services", name, "bin", configuration, "net10.0", $"{name}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built; build the solution first.");
        }

        _url = new Uri(kind.Url(urls));
        _start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        _start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings.Where(s => s.Value is not null && !s.Key.StartsWith("Host:", StringComparison.Ordinal)))
        {
            _start.ArgumentList.Add($"--{key}={value}");
        }
    }

    public int? ProcessId => _process?.Id;

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(_start.FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in _start.ArgumentList)
        {
            start.ArgumentList.Add(argument);
        }

        // The child inherits one duplicate of the socket; this process closes its copy once the child has it.
        var handle = _listener.HandleForChild();
        start.ArgumentList.Add($"--Liaison:ListenHandles:{_kind}={handle}");
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service process.");
        }
        finally
        {
            LoopbackListener.CloseHandle(handle);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The socket accepts connections before the service serves them: wait until it answers its liveness check.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service process exited with {_process.ExitCode} while starting.");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_url, "/health/live"))
                {
                    Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"The service did not answer on {_url} within 60 s.");
    }

    /// <summary>SIGKILL: no shutdown, no flush; whatever was not on disk is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LiaisonNet.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("LiaisonNet.sln not found above the test folder.");
    }
}

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

    private readonly IReadOnlyDictionary<string, LoopbackListener> _more;
    private readonly Queue<string> _output = new();

    /// <param name="more">Further sockets the service serves on, by listener name (the identity server's "IdentityAdmin").</param>
    public ServiceProcess(ServiceKind kind, IReadOnlyDictionary<string, string?> settings, LoopbackListener listener,
        IReadOnlyDictionary<string, LoopbackListener>? more = null)
    {
        _kind = kind;
        _listener = listener;
        _more = more ?? new Dictionary<string, LoopbackListener>();
        var name = $"LiaisonNet.{kind}";
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(RepositoryRoot(), "services", name, "bin", configuration, "net10.0", $"{name}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built; build the solution first.");
        }

        _url = new Uri(listener.Url);
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

        // The child inherits one duplicate of each socket; this process closes its copies once the child has them.
        var handles = new List<int>();
        foreach (var (name, listener) in _more.Prepend(KeyValuePair.Create(_kind.ToString(), _listener)))
        {
            var handle = listener.HandleForChild();
            handles.Add(handle);
            start.ArgumentList.Add($"--Liaison:ListenHandles:{name}={handle}");
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service process.");
        }
        finally
        {
            handles.ForEach(LoopbackListener.CloseHandle);
        }

        _process.OutputDataReceived += (_, line) => Keep(line.Data);
        _process.ErrorDataReceived += (_, line) => Keep(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The socket accepts connections before the service serves them: wait until it answers its liveness check.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service process exited with {_process.ExitCode} while starting:{Environment.NewLine}{Output}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_url, "/health/live"))
                {
                    // gRPC services speak cleartext HTTP/2 only; the browser-facing ones HTTP/1.1.
                    Version = _kind.IsGrpcOnly() ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
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

        throw new TimeoutException($"The service did not answer on {_url} within 60 s:{Environment.NewLine}{Output}");
    }

    /// <summary>The last lines the process wrote (standard output and error), for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
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

    public static string RepositoryRoot()
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

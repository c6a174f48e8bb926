using System.Diagnostics;
using System.Text;

namespace LiaisonNet.TestKit;

/// <summary>One service behind the load balancer: the socket clients reach, and the ports of its two instances.</summary>
public sealed record BalancedService(string Name, LoopbackListener Front, IReadOnlyList<int> Instances);

/// <summary>
/// HAProxy (Debian's package) in front of the instances of each service, run as a plain process with the configuration
/// <c>infra/local/topology.sh</c> uses (<c>infra/local/haproxy.cfg</c>), on sockets the test holds and hands over
/// (<c>bind fd@N</c>): HTTP/2 (gRPC) to the relay, directory and audit instances, HTTP and WebSockets to the gateways,
/// sticky by cookie, and moved to the other instance when one stops answering.
/// </summary>
public sealed class LoadBalancer : IAsyncDisposable
{
    private readonly Process _process;

    private LoadBalancer(Process process) => _process = process;

    public static async Task<LoadBalancer> StartAsync(IReadOnlyList<BalancedService> services)
    {
        var handles = services.ToDictionary(s => s.Name, s => s.Front.HandleForChild());
        try
        {
            var start = new ProcessStartInfo("haproxy") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-db", "-f", Path.Combine(ServiceProcess.RepositoryRoot(), "infra", "local", "haproxy.cfg") })
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var service in services)
            {
                var name = service.Name.ToUpperInvariant();
                start.Environment[$"{name}_BIND"] = $"fd@{handles[service.Name]}";
                for (var i = 0; i < service.Instances.Count; i++)
                {
                    start.Environment[$"{name}_{i + 1}"] = $"127.0.0.1:{service.Instances[i]}";
                }
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start haproxy.");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
            process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var balancer = new LoadBalancer(process);
            await balancer.WaitUntilServingAsync(services.First(s => s.Name == "gateway"), output);
            return balancer;
        }
        finally
        {
            foreach (var handle in handles.Values)
            {
                LoopbackListener.CloseHandle(handle);
            }
        }
    }

    private async Task WaitUntilServingAsync(BalancedService web, StringBuilder output)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}: {output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(new Uri(web.Front.Url), "/health/live"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"haproxy did not pass requests to {web.Name} within 30 s: {output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

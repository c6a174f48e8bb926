using System.Diagnostics;

namespace LiaisonNet.Benchmarks;

/// <summary>What a load phase measured: operations per second and latency percentiles in milliseconds.</summary>
public sealed record LoadResult(long Operations, long Errors, double Seconds, double P50Ms, double P99Ms)
{
    public double PerSecond => Operations / Seconds;
}

/// <summary>Runs operations under load and records their latencies.</summary>
public static class Load
{
    /// <summary>Closed loop: <paramref name="concurrency"/> workers, each starting its next operation when the last one ends.</summary>
    public static async Task<LoadResult> ClosedLoopAsync(int concurrency, TimeSpan duration, Func<int, long, Task> operation)
    {
        var latencies = new List<double>[concurrency];
        var errors = 0L;
        var stopwatch = Stopwatch.StartNew();
        var deadline = duration.TotalSeconds;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(4096);
            for (long n = 0; stopwatch.Elapsed.TotalSeconds < deadline; n++)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await operation(worker, n);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception) when (stopwatch.Elapsed.TotalSeconds < deadline + 30)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        return Summarise(latencies.SelectMany(l => l).ToList(), Interlocked.Read(ref errors), seconds);
    }

    /// <summary>Open loop: operations started at a fixed <paramref name="perSecond"/> rate whatever their latency; each reports its own latency.</summary>
    public static async Task<LoadResult> OpenLoopAsync(int perSecond, TimeSpan duration, Func<long, Task<double?>> operation)
    {
        var total = (long)(perSecond * duration.TotalSeconds);
        var tasks = new List<Task<double?>>((int)Math.Min(total, 1_000_000));
        var stopwatch = Stopwatch.StartNew();
        for (long n = 0; n < total; n++)
        {
            var due = TimeSpan.FromSeconds((double)n / perSecond);
            var wait = due - stopwatch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            tasks.Add(Run(operation, n));
        }

        var results = await Task.WhenAll(tasks);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var latencies = results.Where(r => r is not null).Select(r => r!.Value).ToList();
        return Summarise(latencies, results.Length - latencies.Count, seconds);

        static async Task<double?> Run(Func<long, Task<double?>> operation, long n)
        {
            try
            {
                return await operation(n);
            }
            catch (Exception)
            {
                return null;
            }
        }
    }

    public static LoadResult Summarise(List<double> latencies, long errors, double seconds)
    {
        latencies.Sort();
        return new LoadResult(latencies.Count, errors, seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    public static double WorkingSetMb()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }
}

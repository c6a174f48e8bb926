using System.Collections.Concurrent;

namespace LiaisonNet.ServiceDefaults.Resilience;

/// <summary>
/// Faults and latency injected on purpose into a service's calls to the others (section "Liaison:Chaos"), for a game day
/// or a test: Polly's chaos strategies, inside the same pipeline that retries and breaks circuits, so that what is
/// exercised is what runs. Off unless set.
/// </summary>
public sealed class ChaosOptions
{
    public const string Section = "Liaison:Chaos";

    /// <summary>Share of calls (0 to 1) that fail as if the connection dropped, per target: "directory", "audit", "relay", "identity-admin", "identity-keys".</summary>
    public Dictionary<string, double> Faults { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Share of calls (0 to 1) delayed by <see cref="Latency"/>, per target.</summary>
    public Dictionary<string, double> Delays { get; set; } = new(StringComparer.Ordinal);

    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// The chaos in force now (from <see cref="ChaosOptions"/>, changeable while running), and what the resilience pipelines
/// did about it, per target: faults and delays injected, retries that reached the service, circuits opened and closed.
/// </summary>
public sealed class ChaosSwitch(ChaosOptions options)
{
    private readonly ConcurrentDictionary<string, double> _faults = new(options.Faults, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _delays = new(options.Delays, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Target, string Event), long> _counts = new();

    public TimeSpan Latency { get; } = options.Latency;

    public double FaultRate(string target) => Math.Clamp(_faults.GetValueOrDefault(target), 0, 1);

    public double DelayRate(string target) => Math.Clamp(_delays.GetValueOrDefault(target), 0, 1);

    public void SetFaults(string target, double rate) => _faults[target] = rate;

    public void SetDelays(string target, double rate) => _delays[target] = rate;

    public void Count(string target, string what) => _counts.AddOrUpdate((target, what), 1, (_, n) => n + 1);

    /// <summary>How often <paramref name="what"/> (<see cref="Events"/>) happened on calls to <paramref name="target"/>.</summary>
    public long Counted(string target, string what) => _counts.GetValueOrDefault((target, what));

    public static class Events
    {
        public const string Fault = "fault";
        public const string Delay = "delay";
        public const string RetryAnswered = "retry-answered";
        public const string Retried = "retried";
        public const string CircuitOpened = "circuit-opened";
        public const string CircuitClosed = "circuit-closed";
        public const string CircuitRefused = "circuit-refused";
    }
}

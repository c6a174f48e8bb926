using System.Collections.Concurrent;

namespace LiaisonNet.Relay.Recipients;

/// <summary>
/// One directory call per key at a time: concurrent sends asking about the same officer or desk wait for the call
/// already under way instead of each making their own, so a burst of sends (a retry storm, a thousand copies of one
/// request) costs the directory one lookup per recipient, not one per send. The call runs under its own deadline,
/// not a caller's cancellation: one caller giving up does not fail the others waiting on it.
/// </summary>
public sealed class SharedLookups<T>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _inFlight = new(StringComparer.Ordinal);

    public Task<T> GetAsync(string key, Func<Task<T>> lookup, CancellationToken cancellationToken)
    {
        var call = _inFlight.GetOrAdd(key, _ => new Lazy<Task<T>>(lookup));
        var task = call.Value;
        if (task.IsCompleted)
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, call));
        }
        else
        {
            _ = task.ContinueWith(_ => _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, call)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Lookups under way now (for tests).</summary>
    public int InFlight => _inFlight.Count;
}

using System.Collections.Concurrent;

namespace LiaisonNet.Relay.Live;

/// <summary>
/// Wakes the live subscriptions of a recipient when their inbox grows. Take the wait task before reading the inbox,
/// then await it only if the read found nothing: a commit between the two cannot be missed.
/// </summary>
public sealed class InboxNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public Task NextChange(string recipient) =>
        _waiters.GetOrAdd(recipient, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(string recipient)
    {
        if (_waiters.TryRemove(recipient, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

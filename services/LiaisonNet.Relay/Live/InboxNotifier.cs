using System.Collections.Concurrent;
using LiaisonNet.ServiceDefaults.ScaleOut;

namespace LiaisonNet.Relay.Live;

/// <summary>
/// Wakes the live subscriptions of a recipient when their inbox grows, on this relay instance and, through the instance
/// signals (Redis when scaled out), on every other. Take the wait task before reading the inbox, then await it only if
/// the read found nothing: a commit between the two cannot be missed. A signal is a hint: a subscription also looks
/// for itself every <see cref="LookAgainAfter"/>, which is short while signals from other instances may be lost.
/// </summary>
public sealed class InboxNotifier
{
    private const string Channel = "inbox";
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WhileSignalsDown = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly IInstanceSignals _signals;

    public InboxNotifier(IInstanceSignals signals)
    {
        _signals = signals;
        signals.Subscribe(Channel, Wake);
        // Signals may have been lost while they were down: every subscription looks again.
        signals.Restored += () =>
        {
            foreach (var recipient in _waiters.Keys)
            {
                Wake(recipient);
            }
        };
    }

    /// <summary>How long a subscription waits for a signal before it reads the inbox anyway.</summary>
    public TimeSpan LookAgainAfter => _signals.Reliable ? Heartbeat : WhileSignalsDown;

    public Task NextChange(string recipient) =>
        _waiters.GetOrAdd(recipient, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The recipient's inbox grew (after the commit).</summary>
    public void Notify(string recipient) => _signals.Publish(Channel, recipient);

    private void Wake(string recipient)
    {
        if (_waiters.TryRemove(recipient, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

using System.Threading.Channels;
using Grpc.Core;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Gateway.Auth;
using LiaisonNet.Protos.Relay.V1;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Gateway.Hubs;

/// <summary>
/// The live inboxes of this gateway instance: one relay subscription per user (a <see cref="Feed"/>), however many hub
/// connections the user has open here, fanned out to each of them in cursor order, exactly once per connection.
/// <list type="bullet">
/// <item>A connection that joins behind the feed (it last showed an older cursor) first catches up through
/// <c>ListInbox</c>, page by page, and goes live once it has reached the feed; until then the feed skips it, so it sees
/// no gap and no repeat.</item>
/// <item>A stream that breaks is reopened from the feed's last cursor, with the token of any session still listening.</item>
/// <item>Each connection watches its own browser session: it renews the session's access token before it expires, and
/// is closed when the session is gone (signed out on any gateway instance, expired) or the identity server refuses to
/// renew it (account disabled, tokens revoked).</item>
/// </list>
/// </summary>
public sealed class InboxPumps : IDisposable
{
    /// <summary>The instance signal of a session signed out on some gateway instance (its key): its connections close on every instance.</summary>
    public const string SessionEndedSignal = "session-ended";

    /// <summary>Items waiting for one slow connection; past it, the connection is closed and catches up when it reconnects.</summary>
    private const int BacklogLimit = 10_000;
    private const int CatchUpPage = 200;

    public InboxPumps(
        RelayService.RelayServiceClient relay, IHubContext<InboxHub, IInboxClient> hub, ServerSideTickets sessions, TokenRefresher refresher,
        IOptions<GatewayOptions> options, ServiceDefaults.ScaleOut.IInstanceSignals signals, ILogger<InboxPumps> logger)
    {
        _relay = relay;
        _hub = hub;
        _sessions = sessions;
        _refresher = refresher;
        _options = options;
        _logger = logger;
        signals.Subscribe(SessionEndedSignal, EndSession);
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Listener> _listeners = new(StringComparer.Ordinal);

    /// <summary>Relay subscriptions open now (one per user with a live connection here).</summary>
    public int Feeds
    {
        get
        {
            lock (_gate)
            {
                return _feeds.Count;
            }
        }
    }

    public void Start(HubCallerContext connection, string subject, string sessionKey, long afterCursor)
    {
        Listener listener;
        Action? replaced;
        lock (_gate)
        {
            replaced = RemoveLocked(connection.ConnectionId);
            if (!_feeds.TryGetValue(subject, out var feed))
            {
                feed = new Feed(this, subject);
                _feeds[subject] = feed;
            }

            listener = new Listener(this, feed, connection, sessionKey, afterCursor);
            _listeners[connection.ConnectionId] = listener;
            feed.AddLocked(listener);
        }

        replaced?.Invoke();
        listener.Start();
    }

    /// <summary>Closes every connection of a session here (signed out on this instance or another).</summary>
    public void EndSession(string sessionKey)
    {
        List<Listener> ending;
        lock (_gate)
        {
            ending = [.. _listeners.Values.Where(l => string.Equals(l.SessionKey, sessionKey, StringComparison.Ordinal))];
        }

        foreach (var listener in ending)
        {
            listener.Close("the session was signed out");
        }
    }

    public void Stop(string connectionId)
    {
        Action? stop;
        lock (_gate)
        {
            stop = RemoveLocked(connectionId);
        }

        stop?.Invoke();
    }

    public void Dispose()
    {
        var stops = new List<Action>();
        lock (_gate)
        {
            foreach (var id in _listeners.Keys.ToList())
            {
                if (RemoveLocked(id) is { } stop)
                {
                    stops.Add(stop);
                }
            }
        }

        stops.ForEach(stop => stop());
    }

    /// <summary>Takes a connection off its feed (and the feed away when it was the last); returns what stops them, to run outside the lock.</summary>
    private Action? RemoveLocked(string connectionId)
    {
        if (!_listeners.Remove(connectionId, out var listener))
        {
            return null;
        }

        if (!listener.Feed.RemoveLocked(listener))
        {
            return listener.Stop;
        }

        _feeds.Remove(listener.Feed.Subject);
        return () =>
        {
            listener.Stop();
            listener.Feed.Stop();
        };
    }

    private async Task<string?> AccessTokenAsync(string sessionKey) =>
        await _sessions.RetrieveAsync(sessionKey) is { } ticket && ticket.Properties.ExpiresUtc > DateTimeOffset.UtcNow
            ? ticket.Properties.GetTokenValue("access_token")
            : null;

    /// <summary>One user's relay subscription on this instance. Its fields are guarded by the owner's lock.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its token source has no timer and no links: it is cancelled when the feed stops, while tasks may still observe it, and never disposed.")]
    private sealed class Feed(InboxPumps owner, string subject)
    {
        private readonly List<Listener> _listeners = [];
        private readonly CancellationTokenSource _stopped = new();
        private CancellationTokenSource? _stream;
        private string? _streamSession;
        private bool _started;

        /// <summary>The cursor of the last item the relay streamed to this feed.</summary>
        public long Cursor { get; private set; }

        public string Subject => subject;

        public void AddLocked(Listener listener)
        {
            _listeners.Add(listener);
            if (!_started)
            {
                _started = true;
                Cursor = listener.Cursor;
                listener.Live = true;
                _ = Task.Run(RunAsync);
            }
            else
            {
                listener.Live = listener.Cursor >= Cursor;
            }
        }

        /// <summary>Returns true when the feed has no listener left (stop it then).</summary>
        public bool RemoveLocked(Listener listener)
        {
            _listeners.Remove(listener);
            return _listeners.Count == 0;
        }

        public void Stop() => _stopped.Cancel();

        /// <summary>A session's token was renewed: if the stream runs on it, reopen the stream with the new one.</summary>
        public void TokenRenewed(string sessionKey)
        {
            CancellationTokenSource? stream;
            lock (owner._gate)
            {
                stream = string.Equals(_streamSession, sessionKey, StringComparison.Ordinal) ? _stream : null;
            }

            try
            {
                stream?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That stream had already ended; the next one reads the renewed token.
            }
        }

        private async Task RunAsync()
        {
            var stopped = _stopped.Token;
            var delay = TimeSpan.FromMilliseconds(250);
            while (!stopped.IsCancellationRequested)
            {
                var (token, session) = await TokenAsync();
                using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopped);
                long after;
                lock (owner._gate)
                {
                    _stream = streamCancellation;
                    _streamSession = session;
                    after = Cursor;
                }

                if (token is null)
                {
                    // Every listening session is ending; their watchers close them, and the feed with them.
                    await Task.Delay(delay, stopped).ContinueWith(_ => { }, TaskScheduler.Default);
                    continue;
                }

                try
                {
                    using var stream = owner._relay.Subscribe(new SubscribeRequest { AfterCursor = after }, UserCalls.WithToken(token, deadline: null, streamCancellation.Token));
                    await foreach (var item in stream.ResponseStream.ReadAllAsync(streamCancellation.Token))
                    {
                        Deliver(item);
                        delay = TimeSpan.FromMilliseconds(250);
                    }
                }
                catch (OperationCanceledException) when (stopped.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is OperationCanceledException || (ex is RpcException { StatusCode: StatusCode.Cancelled } && !stopped.IsCancellationRequested))
                {
                    // A listener's token was renewed: reopen at once with the new one.
                    continue;
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
                {
                    owner._logger.LogInformation("Inbox stream of {Subject} refused ({Status}); closing the connections of that session", subject, ex.StatusCode);
                    CloseSession(session!, "the relay refused the session's token");
                }
                catch (RpcException ex)
                {
                    owner._logger.LogWarning("Inbox stream of {Subject} broke ({Status}); reopening from cursor {Cursor}", subject, ex.StatusCode, after);
                }

                await Task.Delay(delay, stopped).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }

        private async Task<(string? Token, string? Session)> TokenAsync()
        {
            string[] candidates;
            lock (owner._gate)
            {
                candidates = [.. _listeners.Select(l => l.SessionKey).Distinct(StringComparer.Ordinal)];
            }

            foreach (var session in candidates)
            {
                if (await owner.AccessTokenAsync(session) is { } token)
                {
                    return (token, session);
                }
            }

            return (null, null);
        }

        private void Deliver(InboxItem item)
        {
            var dto = InboxItemDto.From(item);
            lock (owner._gate)
            {
                Cursor = Math.Max(Cursor, item.Cursor);
                foreach (var listener in _listeners)
                {
                    if (listener.Live)
                    {
                        listener.EnqueueLocked(dto, item.Cursor);
                    }
                }
            }
        }

        /// <summary>Offers a page read for a listener that is catching up; true when it has reached the feed and is live.</summary>
        public bool CatchUpLocked(Listener listener, IReadOnlyList<InboxItem> page)
        {
            foreach (var item in page)
            {
                listener.EnqueueLocked(InboxItemDto.From(item), item.Cursor);
            }

            if (listener.Cursor >= Cursor || page.Count == 0)
            {
                // Nothing lies between: whatever the feed streams next is newer than what the listener has.
                listener.Live = true;
            }

            return listener.Live;
        }

        private void CloseSession(string session, string why)
        {
            List<Listener> closing;
            lock (owner._gate)
            {
                closing = [.. _listeners.Where(l => l.SessionKey == session)];
            }

            foreach (var listener in closing)
            {
                listener.Close(why);
            }
        }
    }

    /// <summary>One hub connection on a feed: its own ordered queue of items, and its own session watcher.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its token source has no timer and no links: it is cancelled when the connection stops, while tasks may still observe it, and never disposed.")]
    private sealed class Listener(InboxPumps owner, Feed feed, HubCallerContext connection, string sessionKey, long afterCursor)
    {
        private readonly Channel<InboxItemDto> _outgoing = Channel.CreateBounded<InboxItemDto>(new BoundedChannelOptions(BacklogLimit) { SingleReader = true });
        private readonly CancellationTokenSource _stopped = new();

        public Feed Feed => feed;

        public string SessionKey => sessionKey;

        /// <summary>The cursor of the last item queued for this connection (guarded by the owner's lock).</summary>
        public long Cursor { get; private set; } = afterCursor;

        /// <summary>True once the listener receives what the feed streams (guarded by the owner's lock).</summary>
        public bool Live { get; set; }

        public void Start()
        {
            _ = Task.Run(SendAsync);
            _ = Task.Run(CatchUpAsync);
            _ = Task.Run(WatchSessionAsync);
        }

        public void Stop()
        {
            _outgoing.Writer.TryComplete();
            _stopped.Cancel();
        }

        public void EnqueueLocked(InboxItemDto item, long cursor)
        {
            if (cursor <= Cursor)
            {
                return;
            }

            Cursor = cursor;
            if (!_outgoing.Writer.TryWrite(item))
            {
                _ = Task.Run(() => Close("the connection fell too far behind; it catches up when it reconnects"));
            }
        }

        public void Close(string why)
        {
            owner._logger.LogInformation("Closing inbox connection {Connection}: {Why}", connection.ConnectionId, why);
            connection.Abort();
            owner.Stop(connection.ConnectionId);
        }

        private async Task SendAsync()
        {
            var client = owner._hub.Clients.Client(connection.ConnectionId);
            try
            {
                await foreach (var item in _outgoing.Reader.ReadAllAsync(_stopped.Token))
                {
                    await client.MessageReceived(item);
                }
            }
            catch (OperationCanceledException)
            {
                // The connection went away.
            }
        }

        private async Task CatchUpAsync()
        {
            var stopped = _stopped.Token;
            var delay = TimeSpan.FromMilliseconds(250);
            while (!stopped.IsCancellationRequested)
            {
                long after;
                lock (owner._gate)
                {
                    if (Live)
                    {
                        return;
                    }

                    after = Cursor;
                }

                try
                {
                    var token = await owner.AccessTokenAsync(sessionKey);
                    if (token is null)
                    {
                        Close("the session has ended");
                        return;
                    }

                    var page = await owner._relay.ListInboxAsync(new ListInboxRequest { AfterCursor = after, Limit = CatchUpPage },
                        UserCalls.WithToken(token, TimeSpan.FromSeconds(10), stopped));
                    lock (owner._gate)
                    {
                        if (feed.CatchUpLocked(this, page.Items))
                        {
                            return;
                        }
                    }
                }
                catch (OperationCanceledException) when (stopped.IsCancellationRequested)
                {
                    return;
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
                {
                    Close("the relay refused the session's token");
                    return;
                }
                catch (RpcException ex)
                {
                    owner._logger.LogWarning("Catching up connection {Connection} failed ({Status}); retrying", connection.ConnectionId, ex.StatusCode);
                    await Task.Delay(delay, stopped).ContinueWith(_ => { }, TaskScheduler.Default);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }

        /// <summary>Checks the session every <see cref="GatewayOptions.SessionCheckInterval"/>; renews its token when due.</summary>
        private async Task WatchSessionAsync()
        {
            using var timer = new PeriodicTimer(owner._options.Value.SessionCheckInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stopped.Token))
                {
                    var ticket = await owner._sessions.RetrieveAsync(sessionKey);
                    if (ticket is null || ticket.Properties.ExpiresUtc <= DateTimeOffset.UtcNow)
                    {
                        Close("the session has ended");
                        return;
                    }

                    switch (await owner._refresher.RefreshIfDueAsync(ticket.Properties, _stopped.Token))
                    {
                        case RefreshResult.Refused:
                            await owner._sessions.RemoveAsync(sessionKey);
                            Close("the identity server ended the session");
                            return;
                        case RefreshResult.Refreshed:
                            await owner._sessions.RenewAsync(sessionKey, ticket);
                            feed.TokenRenewed(sessionKey);

                            break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The connection went away first.
            }
        }
    }

    private readonly RelayService.RelayServiceClient _relay;
    private readonly IHubContext<InboxHub, IInboxClient> _hub;
    private readonly ServerSideTickets _sessions;
    private readonly TokenRefresher _refresher;
    private readonly IOptions<GatewayOptions> _options;
    private readonly ILogger<InboxPumps> _logger;
}

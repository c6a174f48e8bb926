using System.Collections.Concurrent;
using Grpc.Core;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Gateway.Auth;
using LiaisonNet.Protos.Relay.V1;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Gateway.Hubs;

/// <summary>
/// One relay subscription per hub connection, forwarding each inbox item to that connection in order. A stream that
/// breaks is reopened from the last forwarded cursor. Each pump also watches its browser session: it renews the
/// session's access token before it expires (reopening the stream with the new one), and closes the connection when the
/// session is gone (signed out, expired) or the identity server refuses to renew it (account disabled, tokens revoked).
/// </summary>
public sealed class InboxPumps(
    RelayService.RelayServiceClient relay, IHubContext<InboxHub, IInboxClient> hub, ServerSideTickets sessions, TokenRefresher refresher,
    IOptions<GatewayOptions> options, ILogger<InboxPumps> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _pumps = new(StringComparer.Ordinal);
    private readonly RelayService.RelayServiceClient _relay = relay;
    private readonly IHubContext<InboxHub, IInboxClient> _hub = hub;
    private readonly ServerSideTickets _sessions = sessions;
    private readonly TokenRefresher _refresher = refresher;
    private readonly IOptions<GatewayOptions> _options = options;
    private readonly ILogger<InboxPumps> _logger = logger;

    public void Start(HubCallerContext connection, string sessionKey, long afterCursor)
    {
        var cancellation = new CancellationTokenSource();
        if (_pumps.TryRemove(connection.ConnectionId, out var previous))
        {
            previous.Cancel();
            previous.Dispose();
        }

        _pumps[connection.ConnectionId] = cancellation;
        var pump = new Pump(this, connection, sessionKey, afterCursor, cancellation.Token);
        _ = Task.Run(pump.RunAsync);
        _ = Task.Run(pump.WatchSessionAsync);
    }

    public void Stop(string connectionId)
    {
        if (_pumps.TryRemove(connectionId, out var pump))
        {
            pump.Cancel();
            pump.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var pump in _pumps.Values)
        {
            pump.Cancel();
            pump.Dispose();
        }
    }

    private sealed class Pump(InboxPumps owner, HubCallerContext connection, string sessionKey, long cursor, CancellationToken stopped)
    {
        // The stream now open; cancelled (not disposed) from the watcher to reopen with a renewed token.
        private CancellationTokenSource? _stream;

        public async Task RunAsync()
        {
            var client = owner._hub.Clients.Client(connection.ConnectionId);
            var delay = TimeSpan.FromMilliseconds(250);
            while (!stopped.IsCancellationRequested)
            {
                var token = await CurrentTokenAsync();
                if (token is null)
                {
                    Close("the session has ended");
                    return;
                }

                using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopped);
                Interlocked.Exchange(ref _stream, streamCancellation);
                try
                {
                    using var stream = owner._relay.Subscribe(new SubscribeRequest { AfterCursor = cursor }, UserCalls.WithToken(token, deadline: null, streamCancellation.Token));
                    await foreach (var item in stream.ResponseStream.ReadAllAsync(streamCancellation.Token))
                    {
                        await client.MessageReceived(InboxItemDto.From(item));
                        cursor = item.Cursor;
                        delay = TimeSpan.FromMilliseconds(250);
                    }
                }
                catch (OperationCanceledException) when (stopped.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is OperationCanceledException || (ex is RpcException { StatusCode: StatusCode.Cancelled } && !stopped.IsCancellationRequested))
                {
                    // The session watcher renewed the token: reopen at once with the new one.
                    continue;
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
                {
                    owner._logger.LogInformation("Inbox stream for connection {Connection} refused ({Status})", connection.ConnectionId, ex.StatusCode);
                    Close("the relay refused the session's token");
                    return;
                }
                catch (RpcException ex)
                {
                    owner._logger.LogWarning("Inbox stream for connection {Connection} broke ({Status}); reopening from cursor {Cursor}", connection.ConnectionId, ex.StatusCode, cursor);
                }

                await Task.Delay(delay, stopped).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        /// <summary>Checks the session every <see cref="GatewayOptions.SessionCheckInterval"/>; renews its token when due.</summary>
        public async Task WatchSessionAsync()
        {
            using var timer = new PeriodicTimer(owner._options.Value.SessionCheckInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stopped))
                {
                    var ticket = await owner._sessions.RetrieveAsync(sessionKey);
                    if (ticket is null || ticket.Properties.ExpiresUtc <= DateTimeOffset.UtcNow)
                    {
                        Close("the session has ended");
                        return;
                    }

                    switch (await owner._refresher.RefreshIfDueAsync(ticket.Properties, stopped))
                    {
                        case RefreshResult.Refused:
                            await owner._sessions.RemoveAsync(sessionKey);
                            Close("the identity server ended the session");
                            return;
                        case RefreshResult.Refreshed:
                            await owner._sessions.RenewAsync(sessionKey, ticket);
                            if (Volatile.Read(ref _stream) is { } open)
                            {
                                try
                                {
                                    await open.CancelAsync();
                                }
                                catch (ObjectDisposedException)
                                {
                                    // That stream had already ended; the next one reads the renewed token.
                                }
                            }

                            break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The connection went away first.
            }
        }

        private async Task<string?> CurrentTokenAsync() =>
            await owner._sessions.RetrieveAsync(sessionKey) is { } ticket && ticket.Properties.ExpiresUtc > DateTimeOffset.UtcNow
                ? ticket.Properties.GetTokenValue("access_token")
                : null;

        private void Close(string why)
        {
            owner._logger.LogInformation("Closing inbox connection {Connection}: {Why}", connection.ConnectionId, why);
            connection.Abort();
            owner.Stop(connection.ConnectionId);
        }
    }
}

using System.Collections.Concurrent;
using Grpc.Core;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Relay.V1;
using Microsoft.AspNetCore.SignalR;

namespace LiaisonNet.Gateway.Hubs;

/// <summary>
/// One relay subscription per hub connection, forwarding each inbox item to that connection in order.
/// A stream that breaks is reopened from the last forwarded cursor.
/// </summary>
public sealed class InboxPumps(RelayService.RelayServiceClient relay, IHubContext<InboxHub, IInboxClient> hub, ILogger<InboxPumps> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _pumps = new(StringComparer.Ordinal);

    public void Start(string connectionId, string accessToken, long afterCursor)
    {
        var cancellation = new CancellationTokenSource();
        if (_pumps.TryRemove(connectionId, out var previous))
        {
            previous.Cancel();
            previous.Dispose();
        }

        _pumps[connectionId] = cancellation;
        _ = Task.Run(() => PumpAsync(connectionId, accessToken, afterCursor, cancellation.Token));
    }

    public void Stop(string connectionId)
    {
        if (_pumps.TryRemove(connectionId, out var pump))
        {
            pump.Cancel();
            pump.Dispose();
        }
    }

    private async Task PumpAsync(string connectionId, string accessToken, long cursor, CancellationToken cancellationToken)
    {
        var client = hub.Clients.Client(connectionId);
        var delay = TimeSpan.FromMilliseconds(250);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var stream = relay.Subscribe(new SubscribeRequest { AfterCursor = cursor }, UserCalls.WithToken(accessToken, deadline: null, cancellationToken));
                await foreach (var item in stream.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    await client.MessageReceived(InboxItemDto.From(item));
                    cursor = item.Cursor;
                    delay = TimeSpan.FromMilliseconds(250);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                logger.LogInformation("Inbox stream for connection {Connection} refused ({Status}); the client must sign in again", connectionId, ex.StatusCode);
                return;
            }
            catch (RpcException ex)
            {
                logger.LogWarning("Inbox stream for connection {Connection} broke ({Status}); reopening from cursor {Cursor}", connectionId, ex.StatusCode, cursor);
            }

            await Task.Delay(delay, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
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
}

using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiaisonNet.Gateway.Hubs;

/// <summary>
/// The live inbox. A client calls Subscribe with the last cursor it has shown (0 at first, and again after every reconnect);
/// the gateway then relays the user's inbox from its one relay subscription for that user (see InboxPumps), so nothing is missed and nothing repeats.
/// The connection lives only as long as its browser session: signing out, the session expiring or the account being
/// disabled closes it.
/// </summary>
[Authorize(AuthenticationSchemes = CookieAuthenticationDefaults.AuthenticationScheme)]
public sealed class InboxHub(InboxPumps pumps, HubConnections connections) : Hub<IInboxClient>
{
    private const string Slot = "liaison.hub-slot";

    /// <summary>A user past <see cref="Auth.GatewayOptions.MaxHubConnectionsPerUser"/> connections here is refused, the page told why and not to reconnect.</summary>
    public override Task OnConnectedAsync()
    {
        var subject = Context.User?.SubjectId() is { Length: > 0 } id ? id : throw new HubException("No subject; sign in again.");
        Context.Items[Slot] = connections.Open.TryOpen(subject)
            ?? throw new HubException($"At most {connections.Open.Max} live connections per user at once; close another LiaisonNet tab or window first.");
        return base.OnConnectedAsync();
    }

    public void Subscribe(long afterCursor)
    {
        if (afterCursor < 0)
        {
            throw new HubException("afterCursor must not be negative.");
        }

        var session = Context.User?.FindFirst(Auth.ServerSideTickets.SessionClaim)?.Value ?? throw new HubException("No session; sign in again.");
        var subject = Context.User?.SubjectId() is { Length: > 0 } id ? id : throw new HubException("No subject; sign in again.");
        pumps.Start(Context, subject, session, afterCursor);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        pumps.Stop(Context.ConnectionId);
        (Context.Items[Slot] as IDisposable)?.Dispose();
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>The live inbox connections open on this gateway instance, per user (Gateway:MaxHubConnectionsPerUser).</summary>
public sealed class HubConnections(Microsoft.Extensions.Options.IOptions<Auth.GatewayOptions> options)
{
    public ServiceDefaults.Access.OpenPerCaller Open { get; } = new(options.Value.MaxHubConnectionsPerUser);
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiaisonNet.Gateway.Hubs;

/// <summary>
/// The live inbox. A client calls Subscribe with the last cursor it has shown (0 at first, and again after every reconnect);
/// the gateway then relays the user's inbox from the relay's resumable stream, so nothing is missed and nothing repeats.
/// </summary>
[Authorize(AuthenticationSchemes = CookieAuthenticationDefaults.AuthenticationScheme)]
public sealed class InboxHub(InboxPumps pumps) : Hub<IInboxClient>
{
    public async Task Subscribe(long afterCursor)
    {
        if (afterCursor < 0)
        {
            throw new HubException("afterCursor must not be negative.");
        }

        var http = Context.GetHttpContext() ?? throw new HubException("No HTTP context for this connection.");
        var token = await http.GetTokenAsync("access_token") ?? throw new HubException("The session holds no access token; sign in again.");
        pumps.Start(Context.ConnectionId, token, afterCursor);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        pumps.Stop(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;

namespace LiaisonNet.Gateway.Auth;

/// <summary>
/// Keeps each browser session (and the tokens in it) on the gateway; the browser's cookie carries only a random session key.
/// </summary>
public sealed class ServerSideTickets(IMemoryCache cache) : ITicketStore
{
    /// <summary>The claim naming a session's key in the store, so that a live connection can find its session again.</summary>
    public const string SessionClaim = "liaison:session";

    /// <summary>Gives a new session its random key, as a claim of its principal (cookie SigningIn event).</summary>
    public static Task AddSessionKey(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity && !identity.HasClaim(c => c.Type == SessionClaim))
        {
            identity.AddClaim(new System.Security.Claims.Claim(SessionClaim, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
        }

        return Task.CompletedTask;
    }

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = ticket.Principal.FindFirst(SessionClaim)?.Value ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Put(key, ticket);
        return Task.FromResult(key);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        Put(key, ticket);
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => Task.FromResult(cache.Get<AuthenticationTicket>(Prefix + key));

    public Task RemoveAsync(string key)
    {
        cache.Remove(Prefix + key);
        return Task.CompletedTask;
    }

    private const string Prefix = "session:";

    private void Put(string key, AuthenticationTicket ticket) =>
        cache.Set(Prefix + key, ticket, new MemoryCacheEntryOptions
        {
            AbsoluteExpiration = ticket.Properties.ExpiresUtc,
            SlidingExpiration = TimeSpan.FromHours(8),
        });
}

/// <summary>Points the cookie handler at the server-side store once the cache exists.</summary>
public sealed class ConfigureTicketStore(ServerSideTickets tickets) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.SessionStore = tickets;
}

using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace LiaisonNet.Gateway.Auth;

/// <summary>
/// Keeps each browser session (and the tokens in it) on the gateway; the browser's cookie carries only a random session
/// key. Sessions live in the gateway's database, encrypted with its Data Protection key ring, so that every instance of
/// the gateway sharing the database (and the key ring, which then lives there too) accepts a cookie any of them issued,
/// and signing out on one ends the session on all of them at once.
/// </summary>
public sealed class ServerSideTickets(ServiceDatabase database, IDataProtectionProvider protection, TimeProvider clock, WorkLeases leases, ILogger<ServerSideTickets> logger)
    : BackgroundService, ITicketStore
{
    /// <summary>The claim naming a session's key in the store, so that a live connection can find its session again.</summary>
    public const string SessionClaim = "liaison:session";

    /// <summary>The schema, version by version; released versions are never edited.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "browser sessions",
            Sqlite: "CREATE TABLE IF NOT EXISTS sessions(key TEXT PRIMARY KEY, ticket TEXT NOT NULL, expires_at INTEGER NOT NULL);",
            Postgres: "CREATE TABLE IF NOT EXISTS sessions(key TEXT PRIMARY KEY, ticket TEXT NOT NULL, expires_at BIGINT NOT NULL);"),
    ];

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(10);
    private readonly IDataProtector _protector = protection.CreateProtector("LiaisonNet.Gateway.Sessions.v1");

    /// <summary>Gives a new session its random key, as a claim of its principal (cookie SigningIn event).</summary>
    public static Task AddSessionKey(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity && !identity.HasClaim(c => c.Type == SessionClaim))
        {
            identity.AddClaim(new System.Security.Claims.Claim(SessionClaim, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
        }

        return Task.CompletedTask;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await SchemaMigrations.ApplyAsync(database, Migrations, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = ticket.Principal.FindFirst(SessionClaim)?.Value ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await PutAsync(key, ticket);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => PutAsync(key, ticket);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command("SELECT ticket FROM sessions WHERE key = @key AND expires_at > @now", null,
            ("@key", key), ("@now", clock.GetUtcNow().ToUnixTimeMilliseconds()));
        if (await command.ExecuteScalarAsync() is not string stored)
        {
            return null;
        }

        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(Convert.FromBase64String(stored)));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Protected with a key this key ring no longer has: the session is gone.
            return null;
        }
    }

    public async Task RemoveAsync(string key)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command("DELETE FROM sessions WHERE key = @key", null, ("@key", key));
        await command.ExecuteNonQueryAsync();
    }

    private async Task PutAsync(string key, AuthenticationTicket ticket)
    {
        var now = clock.GetUtcNow();
        var expires = ticket.Properties.ExpiresUtc is { } at && at < now + Lifetime ? at : now + Lifetime;
        var protectedTicket = Convert.ToBase64String(_protector.Protect(TicketSerializer.Default.Serialize(ticket)));
        await using var connection = await database.OpenAsync();
        await using var command = connection.Command(
            "INSERT INTO sessions(key, ticket, expires_at) VALUES (@key, @ticket, @expires) ON CONFLICT (key) DO UPDATE SET ticket = excluded.ticket, expires_at = excluded.expires_at",
            null, ("@key", key), ("@ticket", protectedTicket), ("@expires", expires.ToUnixTimeMilliseconds()));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Deletes expired sessions now and then, in one instance at a time.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leases.RunAsync("gateway.session-purge", async held =>
    {
        using var timer = new PeriodicTimer(PurgeInterval);
        while (await timer.WaitForNextTickAsync(held))
        {
            try
            {
                await using var connection = await database.OpenAsync(held);
                await using var command = connection.Command("DELETE FROM sessions WHERE expires_at <= @now", null, ("@now", clock.GetUtcNow().ToUnixTimeMilliseconds()));
                var purged = await command.ExecuteNonQueryAsync(held);
                logger.LogDebug("Purged {Count} expired sessions", purged);
            }
            catch (System.Data.Common.DbException ex)
            {
                logger.LogWarning("Purging expired sessions failed: {Error}", ex.Message);
            }
        }
    }, stoppingToken);
}

/// <summary>Points the cookie handler at the server-side store.</summary>
public sealed class ConfigureTicketStore(ServerSideTickets tickets) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.SessionStore = tickets;
}

using LiaisonNet.Client;
using LiaisonNet.Cli.Commands;
using LiaisonNet.Client.Auth;

namespace LiaisonNet.Cli.Session;

/// <summary>
/// The signed-in user's access to the system: the stored sign-in, renewed with its refresh token shortly before the
/// access token expires (the new refresh token replaces the old in the file), or, for automation, client credentials
/// (<c>--client-id</c> with the secret in <c>LIAISON_CLIENT_SECRET</c>, never on the command line).
/// </summary>
public sealed class Connection(TokenStore store, Identity identity) : ITokenSource
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);
    private StoredSession? _session;

    public StoredSession Session => _session ?? throw new SignInException("You are not signed in: run liaison login.");

    /// <summary>The stored sign-in for <paramref name="server"/>, or client credentials when a client id is given.</summary>
    public async Task OpenAsync(Uri server, string? clientId, CancellationToken cancellationToken)
    {
        if (clientId is { Length: > 0 })
        {
            var secret = Environment.GetEnvironmentVariable("LIAISON_CLIENT_SECRET");
            if (string.IsNullOrEmpty(secret))
            {
                throw new SignInException("--client-id needs the client's secret in the LIAISON_CLIENT_SECRET environment variable.");
            }

            var endpoints = await identity.DiscoverAsync(server, cancellationToken);
            var answer = await identity.ClientCredentialsAsync(endpoints.Issuer, clientId, secret, cancellationToken);
            _session = new StoredSession(server.ToString(), endpoints, answer.AccessToken, null, DateTimeOffset.UtcNow.AddSeconds(answer.ExpiresIn));
            return;
        }

        var stored = store.Load() ?? throw new SignInException("You are not signed in: run liaison login.");
        if (!string.Equals(stored.Server, server.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            throw new SignInException($"You are signed in to {stored.Server}, not {server}: run liaison login --server {server}.");
        }

        _session = stored;
    }

    /// <summary>
    /// Clients of the services at the addresses the gateway published at sign-in. <c>LIAISON_DIRECTORY</c>,
    /// <c>LIAISON_RELAY</c>, <c>LIAISON_AUDIT</c> and <c>LIAISON_ACCOUNTS</c> reach a service by another address
    /// instead (a tunnel from a crossing point, for example); the tokens are the same.
    /// </summary>
    public LiaisonClient Client()
    {
        var endpoints = Session.Endpoints;
        static IReadOnlyList<Uri> At(string variable, string published) =>
            ServiceAddresses.Parse(Environment.GetEnvironmentVariable(variable) is { Length: > 0 } instead ? instead : published);
        return new LiaisonClient(LiaisonEndpoints.Balanced(At("LIAISON_DIRECTORY", endpoints.Directory), At("LIAISON_RELAY", endpoints.Relay),
            At("LIAISON_AUDIT", endpoints.Audit), At("LIAISON_ACCOUNTS", endpoints.Accounts)[0]), this);
    }

    /// <summary>Who the tool acts as (the token's subject): the key of what is kept per user, such as the watch cursor.</summary>
    public string Subject => Me.Of(Session.AccessToken, new Uri(Session.Server)).Subject;

    public async ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var session = Session;
        if (session.ExpiresAt - DateTimeOffset.UtcNow > RenewBefore)
        {
            return session.AccessToken;
        }

        if (session.RefreshToken is null)
        {
            throw new SignInException("The sign-in has expired: run liaison login.");
        }

        var renewed = await identity.RefreshAsync(session.Endpoints.Issuer, session.RefreshToken, cancellationToken)
            ?? throw new SignInException("The sign-in has expired or was ended: run liaison login.");
        _session = session with
        {
            AccessToken = renewed.AccessToken, RefreshToken = renewed.RefreshToken ?? session.RefreshToken, ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(renewed.ExpiresIn),
        };
        store.Save(_session);
        return _session.AccessToken;
    }
}

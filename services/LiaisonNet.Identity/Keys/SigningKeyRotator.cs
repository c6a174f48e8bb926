using System.Runtime.InteropServices;
using LiaisonNet.Identity.Accounts;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace LiaisonNet.Identity.Keys;

/// <summary>
/// Switches signing to the next key when its time comes, without a restart. Every key is registered (and published) from
/// start-up; the switch only reorders them, so tokens signed by any registered key keep validating.
/// </summary>
public sealed class SigningKeyRotator(
    IReadOnlyList<SigningKey> keys,
    IOptionsMonitor<OpenIddictServerOptions> server,
    IOptions<IdentityServerOptions> settings,
    TimeProvider clock,
    ILogger<SigningKeyRotator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Value.SigningKeyCheckInterval, clock);
        try
        {
            do
            {
                Promote();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping, or a start that failed elsewhere: nothing to promote any more.
        }
    }

    /// <summary>Moves the key that should sign now to the front of OpenIddict's credentials, where it is used for signing.</summary>
    public void Promote()
    {
        var signer = SigningKeyRing.SignerAt(keys, clock.GetUtcNow());
        // Swapping elements through a span leaves the list's version alone, so a request enumerating the credentials
        // (signing a token, serving the JWKS) at this instant is not disturbed; either key is valid and published.
        var credentials = CollectionsMarshal.AsSpan(server.CurrentValue.SigningCredentials);
        var index = IndexOf(credentials, signer.Key.KeyId);
        if (index <= 0)
        {
            return;
        }

        (credentials[0], credentials[index]) = (credentials[index], credentials[0]);
        logger.LogInformation("Signing key {KeyId} now signs tokens (active from {ActiveFrom:O})", signer.Key.KeyId, signer.ActiveFrom);
    }

    private static int IndexOf(Span<SigningCredentials> credentials, string keyId)
    {
        for (var i = 0; i < credentials.Length; i++)
        {
            if (credentials[i].Key.KeyId == keyId)
            {
                return i;
            }
        }

        return -1;
    }
}

using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using OpenIddict.Validation;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>
/// Access tokens that passed every check, by their SHA-256, until they expire (at most 20,000; the oldest half is dropped
/// when full). A remembered token skips only the signature and parsing work: OpenIddict's expiry, audience and
/// presenter checks run on the remembered principal at every call.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider clock)
{
    private const int Capacity = 20_000;
    private const string FromCacheProperty = "liaison:token-from-cache";
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);

    public static bool CameFromCache(OpenIddictValidationEvents.ValidateTokenContext context) =>
        context.Transaction.Properties.ContainsKey(FromCacheProperty);

    public ClaimsPrincipal? TryGet(string token)
    {
        if (!_tokens.TryGetValue(Key(token), out var entry))
        {
            return null;
        }

        if (entry.Expires <= clock.GetUtcNow())
        {
            _tokens.TryRemove(Key(token), out _);
            return null;
        }

        // Each call gets its own copy: later handlers may add to the principal.
        return entry.Principal.Clone();
    }

    public void Add(string token, ClaimsPrincipal principal)
    {
        if (principal.FindFirst("exp")?.Value is not { } exp || !long.TryParse(exp, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return;
        }

        if (_tokens.Count >= Capacity)
        {
            foreach (var key in _tokens.OrderBy(p => p.Value.Expires).Take(Capacity / 2).Select(p => p.Key).ToList())
            {
                _tokens.TryRemove(key, out _);
            }
        }

        _tokens[Key(token)] = (principal.Clone(), DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Attaches the remembered principal before OpenIddict validates the token's signature.</summary>
    public sealed class Restore(ValidatedTokenCache cache) : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
    {
        public ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
        {
            if (context.Principal is null && context.Token is { Length: > 0 } token && cache.TryGet(token) is { } principal)
            {
                context.Principal = principal;
                context.Transaction.Properties[FromCacheProperty] = true;
            }

            return default;
        }
    }

    /// <summary>Remembers a token that every check accepted.</summary>
    public sealed class Remember(ValidatedTokenCache cache) : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
    {
        public ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
        {
            if (!context.IsRejected && !CameFromCache(context) && context.Token is { Length: > 0 } token && context.Principal is { } principal)
            {
                cache.Add(token, principal);
            }

            return default;
        }
    }
}

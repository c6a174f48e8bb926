using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LiaisonNet.Identity.Accounts;

/// <summary>
/// The authenticator's six-digit codes (RFC 6238: HMAC-SHA1, 30 s steps), each accepted once. A code is good for the
/// step before and after the server's (a clock off by up to 30 s), and only for a step later than the last one the
/// account used, recorded in <c>totp_last_step</c> in the same statement that accepts it: a code seen over a shoulder
/// or replayed from a captured form is refused even inside its window, and two sign-ins racing with one code cannot
/// both win. The step is kept apart from the account row, so no other save of the account can move it back.
/// </summary>
public sealed class OneTimeAuthenticatorCodes(IdentityDb db, TimeProvider clock, SecondFactorOutcome outcome) : IUserTwoFactorTokenProvider<LiaisonUser>
{
    public const string ProviderName = "LiaisonAuthenticator";
    private const int StepSeconds = 30;

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<LiaisonUser> manager, LiaisonUser user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>The code comes from the officer's authenticator app, never from the server.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<LiaisonUser> manager, LiaisonUser user) => Task.FromResult(string.Empty);

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<LiaisonUser> manager, LiaisonUser user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (token is not { Length: 6 } || !token.All(char.IsAsciiDigit) || string.IsNullOrWhiteSpace(key) || Base32(key) is not { Length: > 0 } secret)
        {
            return false;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds() / StepSeconds;
        var step = StepsAround(now).FirstOrDefault(s => CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(Code(secret, s)), System.Text.Encoding.ASCII.GetBytes(token)), -1);
        if (step < 0)
        {
            return false;
        }

        var claimed = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO "totp_last_step" ("UserId", "Step") VALUES ({user.Id}, {step})
            ON CONFLICT ("UserId") DO UPDATE SET "Step" = excluded."Step" WHERE "totp_last_step"."Step" < excluded."Step"
            """);
        outcome.Replayed = claimed == 0;
        return claimed == 1;
    }

    private static IEnumerable<long> StepsAround(long now) => [now, now - 1, now + 1];

    /// <summary>The six digits of one time step.</summary>
    public static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // RFC 6238 authenticator apps use HMAC-SHA1.
        var hash = HMACSHA1.HashData(secret, counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0F;
        var value = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7FFFFFFF) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The authenticator key as stored by ASP.NET Core Identity (RFC 4648 base32); empty when it is not base32.</summary>
    public static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            var value = Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                return [];
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}

/// <summary>What the last second-factor check of this request found: a code already used is told apart from a wrong one.</summary>
public sealed class SecondFactorOutcome
{
    public bool Replayed { get; set; }
}

/// <summary>The last authenticator time step an account signed in with.</summary>
public sealed class TotpLastStep
{
    public string UserId { get; set; } = string.Empty;

    public long Step { get; set; }
}

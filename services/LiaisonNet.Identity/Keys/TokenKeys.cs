using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace LiaisonNet.Identity.Keys;

/// <summary>
/// The keys tokens are signed and encrypted with, kept in the identity data folder (owner read/write only), so that
/// tokens issued before a restart stay valid after it.
/// </summary>
/// <remarks>Signing keys rotate: see <see cref="SigningKeyRing"/>.</remarks>
public static class TokenKeys
{
    public static SymmetricSecurityKey LoadOrCreateEncryptionKey(string folder)
    {
        var path = Path.Combine(folder, "token-encryption-key.b64");
        if (!File.Exists(path))
        {
            WriteSecret(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }

    internal static void WriteSecret(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>One signing key and the moment it starts (or started) signing.</summary>
public sealed record SigningKey(RsaSecurityKey Key, DateTimeOffset ActiveFrom);

/// <summary>
/// The signing keys on disk, <c>signing-keys/signing-{unix seconds it starts signing}.pem</c>. There is always the key that
/// signs now and the next one, published (JWKS) from the moment it is made, at least <c>publishLead</c> before it starts
/// signing, so that every service has fetched it by then. A replaced key stays published for <c>retention</c>, which covers
/// the longest-lived token it signed, and is deleted afterwards.
/// </summary>
public sealed class SigningKeyRing(string folder, TimeProvider clock)
{
    private const string Prefix = "signing-";

    private string KeysFolder => Path.Combine(folder, "signing-keys");

    /// <summary>
    /// The keys to register, the one that signs now first, then the next one, then retired ones still within
    /// <paramref name="retention"/>. <paramref name="rotateNow"/> makes a new key that signs at once (after a suspected
    /// compromise); services fetch it at its first use.
    /// </summary>
    public IReadOnlyList<SigningKey> Load(TimeSpan rotationPeriod, TimeSpan publishLead, TimeSpan retention, bool rotateNow)
    {
        Directory.CreateDirectory(KeysFolder);
        var now = Seconds(clock.GetUtcNow());
        var keys = ReadAll();
        if (rotateNow || !keys.Any(k => k.ActiveFrom <= now))
        {
            keys.Add(Create(now));
        }

        var current = keys.Where(k => k.ActiveFrom <= now).MaxBy(k => k.ActiveFrom)!;
        if (!keys.Any(k => k.ActiveFrom > now))
        {
            var next = current.ActiveFrom + rotationPeriod;
            keys.Add(Create(next > now + publishLead ? next : now + publishLead));
        }

        // A key is retired when the key after it starts signing; it must outlive every token it signed.
        var ordered = keys.OrderBy(k => k.ActiveFrom).ToList();
        for (var i = 0; i < ordered.Count - 1; i++)
        {
            if (ordered[i + 1].ActiveFrom <= now && now - ordered[i + 1].ActiveFrom > retention)
            {
                File.Delete(PathFor(ordered[i].ActiveFrom));
                keys.Remove(ordered[i]);
            }
        }

        return [current, .. keys.Where(k => k != current).OrderByDescending(k => k.ActiveFrom)];
    }

    /// <summary>Among <paramref name="keys"/>, the one that should sign at <paramref name="at"/>.</summary>
    public static SigningKey SignerAt(IEnumerable<SigningKey> keys, DateTimeOffset at) =>
        keys.Where(k => k.ActiveFrom <= at).MaxBy(k => k.ActiveFrom) ?? throw new InvalidOperationException("No signing key is active.");

    private List<SigningKey> ReadAll()
    {
        var keys = new List<SigningKey>();
        foreach (var path in Directory.EnumerateFiles(KeysFolder, Prefix + "*.pem"))
        {
            var stamp = Path.GetFileNameWithoutExtension(path)[Prefix.Length..];
            if (!long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                continue;
            }

            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(path));
            keys.Add(new SigningKey(WithKeyId(rsa), DateTimeOffset.FromUnixTimeSeconds(seconds)));
        }

        return keys;
    }

    private SigningKey Create(DateTimeOffset activeFrom)
    {
        // Whole seconds name the file; never reuse a name.
        while (File.Exists(PathFor(activeFrom)))
        {
            activeFrom = activeFrom.AddSeconds(1);
        }

        var rsa = RSA.Create(3072);
        TokenKeys.WriteSecret(PathFor(activeFrom), rsa.ExportPkcs8PrivateKeyPem());
        return new SigningKey(WithKeyId(rsa), activeFrom);
    }

    private static DateTimeOffset Seconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());

    private string PathFor(DateTimeOffset activeFrom) =>
        Path.Combine(KeysFolder, $"{Prefix}{activeFrom.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.pem");

    private static RsaSecurityKey WithKeyId(RSA rsa) =>
        new(rsa) { KeyId = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo())[..12]) };
}

using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace LiaisonNet.Identity.Keys;

/// <summary>
/// The keys tokens are signed and encrypted with, kept in the identity data folder (owner read/write only), so that
/// tokens issued before a restart stay valid after it.
/// </summary>
/// <remarks>
/// Signing keys rotate: <c>signing-keys/signing-{unix seconds}.pem</c>, the newest signs. A key that has been replaced keeps
/// being published (JWKS) and accepted for <see cref="SigningKeyRing"/>'s retention, which covers the longest-lived
/// token it may have signed, and is deleted afterwards.
/// </remarks>
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

/// <summary>One signing key and when it was created.</summary>
public sealed record SigningKey(RsaSecurityKey Key, DateTimeOffset CreatedAt);

/// <summary>The signing keys on disk: rotates when the newest is older than the rotation period (or when asked), prunes retired ones.</summary>
public sealed class SigningKeyRing(string folder, TimeProvider clock)
{
    private const string Prefix = "signing-";

    private string KeysFolder => Path.Combine(folder, "signing-keys");

    /// <summary>
    /// The keys to register, newest (the one that signs) first. Creates the first key, or a new one when the newest is
    /// older than <paramref name="rotationPeriod"/> or <paramref name="rotateNow"/>; deletes keys replaced more than
    /// <paramref name="retention"/> ago.
    /// </summary>
    public IReadOnlyList<SigningKey> Load(TimeSpan rotationPeriod, TimeSpan retention, bool rotateNow)
    {
        Directory.CreateDirectory(KeysFolder);
        var now = clock.GetUtcNow();
        var keys = ReadAll();
        if (keys.Count == 0 || rotateNow || now - keys[0].CreatedAt >= rotationPeriod)
        {
            keys.Insert(0, Create(now));
        }

        // A key is retired when its successor was created; it must outlive every token it signed.
        for (var i = keys.Count - 1; i >= 1; i--)
        {
            if (now - keys[i - 1].CreatedAt > retention)
            {
                File.Delete(PathFor(keys[i].CreatedAt));
                keys.RemoveAt(i);
            }
        }

        return keys;
    }

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

        return [.. keys.OrderByDescending(k => k.CreatedAt)];
    }

    private SigningKey Create(DateTimeOffset now)
    {
        // Whole seconds name the file; never reuse a name even if two rotations fall in the same second.
        var created = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        while (File.Exists(PathFor(created)))
        {
            created = created.AddSeconds(1);
        }

        var rsa = RSA.Create(3072);
        TokenKeys.WriteSecret(PathFor(created), rsa.ExportPkcs8PrivateKeyPem());
        return new SigningKey(WithKeyId(rsa), created);
    }

    private string PathFor(DateTimeOffset created) =>
        Path.Combine(KeysFolder, $"{Prefix}{created.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.pem");

    private static RsaSecurityKey WithKeyId(RSA rsa) =>
        new(rsa) { KeyId = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo())[..12]) };
}
